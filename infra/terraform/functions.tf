resource "aws_iam_role" "fn" {
  for_each = module.names.functions
  name     = each.value.name
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "basic" {
  for_each   = module.names.functions
  role       = aws_iam_role.fn[each.key].name
  policy_arn = each.value.managed
}

resource "aws_iam_role_policy" "fn" {
  for_each = module.names.functions
  name     = "permissions"
  role     = aws_iam_role.fn[each.key].id
  policy = jsonencode({ Version = "2012-10-17", Statement = [for s in each.value.statements : merge(s, {
    Resource = [for r in s.Resource : lookup(local.substitutions, r, r)]
  })] })
}

# Functions invoked pinned to a published version (names.json `function-version:K`) are a block of their own: a
# for_each block cannot refer to its own instances, and the other functions' environment and policies name the
# version they publish.
resource "aws_lambda_function" "pinned" {
  for_each         = module.names.pinned_functions
  function_name    = each.value.name
  role             = aws_iam_role.fn[each.key].arn
  runtime          = each.value.runtime
  architectures    = [each.value.architecture]
  handler          = each.value.handler
  memory_size      = each.value.memory_size
  timeout          = each.value.timeout
  layers           = each.value.layers
  filename         = "${var.artifacts_dir}/${each.value.binary}/bootstrap.zip"
  source_code_hash = filebase64sha256("${var.artifacts_dir}/${each.value.binary}/bootstrap.zip")
  publish          = true

  environment {
    variables = { for name, value in each.value.environment : name => lookup(local.deploy_parameters, value, value) }
  }

  dynamic "durable_config" {
    for_each = each.value.durable == null ? [] : [each.value.durable]
    content {
      execution_timeout = durable_config.value.executionTimeout
      retention_period  = durable_config.value.retentionPeriodInDays
    }
  }
}

locals {
  lambda = merge(aws_lambda_function.pinned, aws_lambda_function.fn)
  # The version markers of the names module -> the ARN of the version this deployment published.
  version_arns = { for k, f in aws_lambda_function.pinned : "{function-version-arn:${k}}" => f.qualified_arn }
  # The deploy-time inputs of names.json, by the names module's markers.
  deploy_parameters = {
    "{deploy-parameter:DdApiKeySecretArn}" = var.dd_api_key_secret_arn
    "{deploy-parameter:DdSite}"            = var.dd_site
    "{deploy-parameter:DdVersion}"         = var.dd_version
  }
  substitutions = merge(local.deploy_parameters, local.version_arns)
}

resource "aws_lambda_function" "fn" {
  for_each         = module.names.other_functions
  function_name    = each.value.name
  role             = aws_iam_role.fn[each.key].arn
  runtime          = each.value.runtime
  architectures    = [each.value.architecture]
  handler          = each.value.handler
  memory_size      = each.value.memory_size
  timeout          = each.value.timeout
  layers           = each.value.layers
  filename         = "${var.artifacts_dir}/${each.value.binary}/bootstrap.zip"
  source_code_hash = filebase64sha256("${var.artifacts_dir}/${each.value.binary}/bootstrap.zip")
  publish          = each.value.publish

  environment {
    variables = { for name, value in each.value.environment : name => lookup(local.substitutions, value, value) }
  }

  dynamic "durable_config" {
    for_each = each.value.durable == null ? [] : [each.value.durable]
    content {
      execution_timeout = durable_config.value.executionTimeout
      retention_period  = durable_config.value.retentionPeriodInDays
    }
  }
}

resource "aws_lambda_alias" "published" {
  for_each         = module.names.aliases
  name             = each.value
  function_name    = local.lambda[each.key].function_name
  function_version = local.lambda[each.key].version
}

resource "aws_lambda_event_source_mapping" "sqs" {
  for_each                = module.names.sqs_mappings
  function_name           = aws_lambda_function.fn[each.key].arn
  event_source_arn        = aws_sqs_queue.queue[each.value.queue].arn
  batch_size              = each.value.batch_size
  function_response_types = each.value.function_response_types
}

resource "aws_lambda_event_source_mapping" "stream" {
  for_each                       = module.names.stream_mappings
  function_name                  = aws_lambda_function.fn[each.key].arn
  event_source_arn               = aws_dynamodb_table.table.stream_arn
  starting_position              = each.value.starting_position
  batch_size                     = each.value.batch_size
  bisect_batch_on_function_error = each.value.bisect_batch_on_function_error
  maximum_retry_attempts         = each.value.maximum_retry_attempts
  function_response_types        = each.value.function_response_types

  filter_criteria {
    filter {
      pattern = each.value.filter_pattern
    }
  }

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.stream_failure.arn
    }
  }
}
