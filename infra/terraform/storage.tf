resource "aws_cloudwatch_event_bus" "bus" {
  name = module.names.bus_name
}

resource "aws_dynamodb_table" "table" {
  name             = module.names.table.name
  billing_mode     = module.names.table.billing_mode
  hash_key         = module.names.table.hash_key
  stream_enabled   = true
  stream_view_type = module.names.table.stream_view_type

  attribute {
    name = module.names.table.hash_key
    type = "S"
  }

  ttl {
    attribute_name = module.names.table.ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = module.names.table.point_in_time_recovery
  }
}

resource "aws_ssm_parameter" "written" {
  for_each = module.names.written_parameters
  name     = each.value
  type     = "String"
  value    = local.written_values[each.key]
}

# The SSM contract (behaviour keep-config): plain Strings; the URL has no trailing slash; the JWT secret from the
# deploy variable jwt_secret (only written outside the integrated environments).
locals {
  written_values = {
    apiEndpoint  = trimsuffix(aws_api_gateway_stage.env.invoke_url, "/")
    tableName    = aws_dynamodb_table.table.name
    eventBusName = aws_cloudwatch_event_bus.bus.name
    eventBusArn  = aws_cloudwatch_event_bus.bus.arn
    jwtSecret    = var.jwt_secret
  }
}
