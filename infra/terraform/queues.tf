resource "aws_sqs_queue" "dlq" {
  for_each                   = module.names.queues
  name                       = each.value.dlq
  visibility_timeout_seconds = each.value.visibility_timeout_seconds
  message_retention_seconds  = each.value.dlq_retention_seconds
  sqs_managed_sse_enabled    = each.value.sqs_managed_sse_enabled
}

resource "aws_sqs_queue" "queue" {
  for_each                   = module.names.queues
  name                       = each.value.name
  visibility_timeout_seconds = each.value.visibility_timeout_seconds
  message_retention_seconds  = each.value.message_retention_seconds
  sqs_managed_sse_enabled    = each.value.sqs_managed_sse_enabled
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = each.value.max_receive_count
  })
}

resource "aws_sqs_queue" "stream_failure" {
  name                       = module.names.stream_failure_queue.name
  visibility_timeout_seconds = module.names.stream_failure_queue.visibility_timeout_seconds
  message_retention_seconds  = module.names.stream_failure_queue.message_retention_seconds
  sqs_managed_sse_enabled    = module.names.stream_failure_queue.sqs_managed_sse_enabled
}

resource "aws_cloudwatch_event_rule" "rule" {
  for_each       = module.names.rules
  name           = each.value.name
  event_bus_name = aws_cloudwatch_event_bus.bus.name
  event_pattern  = jsonencode(each.value.pattern)
}

resource "aws_cloudwatch_event_target" "rule" {
  for_each       = module.names.rules
  rule           = aws_cloudwatch_event_rule.rule[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.bus.name
  target_id      = "queue"
  arn            = aws_sqs_queue.queue[each.value.queue].arn
}

# In an integrated environment every rule also exists on the shared bus, whose name is read from SSM at apply time.
data "aws_ssm_parameter" "shared_bus" {
  count = module.names.shared_bus_parameter == null ? 0 : 1
  name  = module.names.shared_bus_parameter
}

resource "aws_cloudwatch_event_rule" "shared" {
  for_each       = module.names.shared_rules
  name           = each.value.name
  event_bus_name = data.aws_ssm_parameter.shared_bus[0].insecure_value
  event_pattern  = jsonencode(each.value.pattern)
}

resource "aws_cloudwatch_event_target" "shared" {
  for_each       = module.names.shared_rules
  rule           = aws_cloudwatch_event_rule.shared[each.key].name
  event_bus_name = aws_cloudwatch_event_rule.shared[each.key].event_bus_name
  target_id      = "queue"
  arn            = aws_sqs_queue.queue[each.value.queue].arn
}

resource "aws_sqs_queue_policy" "events" {
  for_each  = module.names.rules
  queue_url = aws_sqs_queue.queue[each.value.queue].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.queue[each.value.queue].arn
      Condition = { ArnEquals = { "aws:SourceArn" = concat([aws_cloudwatch_event_rule.rule[each.key].arn],
      [for k, rule in aws_cloudwatch_event_rule.shared : rule.arn if k == each.key]) } }
    }]
  })
}
