resource "aws_api_gateway_rest_api" "api" {
  name = "${module.names.service}-API-${var.env}"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "path" {
  for_each    = toset([for route in values(module.names.http_routes) : route.path])
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = each.value
}

resource "aws_api_gateway_method" "route" {
  for_each      = module.names.http_routes
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.path[each.value.path].id
  http_method   = each.value.method
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "route" {
  for_each                = module.names.http_routes
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.path[each.value.path].id
  http_method             = aws_api_gateway_method.route[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.fn[each.key].invoke_arn
}

resource "aws_lambda_permission" "api" {
  for_each      = module.names.http_routes
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/${each.value.method}/${each.value.path}"
}

resource "aws_api_gateway_deployment" "api" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  triggers = {
    routes = sha1(jsonencode([module.names.http_routes, aws_api_gateway_integration.route, aws_api_gateway_integration.options]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "env" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.api.id
  stage_name    = var.env
}

output "api_endpoint" {
  value = aws_api_gateway_stage.env.invoke_url
}

# CORS preflight, answered by API Gateway (a MOCK integration) on every route's path.
resource "aws_api_gateway_method" "options" {
  for_each      = aws_api_gateway_resource.path
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = each.value.id
  http_method   = "OPTIONS"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "options" {
  for_each          = aws_api_gateway_method.options
  rest_api_id       = aws_api_gateway_rest_api.api.id
  resource_id       = each.value.resource_id
  http_method       = each.value.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "options" {
  for_each            = aws_api_gateway_method.options
  rest_api_id         = aws_api_gateway_rest_api.api.id
  resource_id         = each.value.resource_id
  http_method         = each.value.http_method
  status_code         = "200"
  response_parameters = { for header in keys(module.names.cors_response_parameters) : header => true }
}

resource "aws_api_gateway_integration_response" "options" {
  for_each            = aws_api_gateway_integration.options
  rest_api_id         = aws_api_gateway_rest_api.api.id
  resource_id         = each.value.resource_id
  http_method         = each.value.http_method
  status_code         = aws_api_gateway_method_response.options[each.key].status_code
  response_parameters = module.names.cors_response_parameters
}
