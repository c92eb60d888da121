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
  policy   = jsonencode({ Version = "2012-10-17", Statement = each.value.statements })
}

resource "aws_lambda_function" "fn" {
  for_each         = module.names.functions
  function_name    = each.value.name
  role             = aws_iam_role.fn[each.key].arn
  runtime          = each.value.runtime
  architectures    = [each.value.architecture]
  handler          = each.value.handler
  memory_size      = each.value.memory_size
  timeout          = each.value.timeout
  filename         = "${var.artifacts_dir}/${each.value.binary}/bootstrap.zip"
  source_code_hash = filebase64sha256("${var.artifacts_dir}/${each.value.binary}/bootstrap.zip")

  environment {
    variables = each.value.environment
  }

  dynamic "durable_config" {
    for_each = each.value.durable == null ? [] : [each.value.durable]
    content {
      execution_timeout = durable_config.value.executionTimeout
      retention_period  = durable_config.value.retentionPeriodInDays
    }
  }
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
