# Renders ../../names.json for one environment. No provider and no resource: `terraform apply` evaluates it offline,
# which is how infra-check reads what Terraform makes of names.json (the `facts` output, compared by check.py).

variable "env" {
  type        = string
  description = "The environment (ENV)."
  validation {
    condition     = can(regex("^[a-z0-9-]{1,16}$", var.env))
    error_message = "The env must match ^[a-z0-9-]{1,16}$."
  }
}

variable "partition" {
  type    = string
  default = "aws"
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "account" {
  type    = string
  default = "123456789012"
}

locals {
  names = jsondecode(file("${path.module}/../../names.json"))
  arn   = "arn:${var.partition}:%s:${var.region}:${var.account}:%s"

  table_name = replace(local.names.table.name, "{env}", var.env)
  bus_name   = replace(local.names.bus, "{env}", var.env)

  # An integrated environment (names.json `integrated`) reads the shared secret and gets the rules on the shared bus.
  integrated           = contains(local.names.integrated.environments, var.env)
  shared_parameters    = local.integrated ? local.names.integrated.parameters : {}
  shared_bus_parameter = local.integrated ? replace(local.names.integrated.sharedBusParameter, "{env}", var.env) : null

  parameter_names = { for k, v in merge(local.names.parameters, local.names.writtenParameters) : k => replace(lookup(local.shared_parameters, k, v), "{env}", var.env) }
  function_names  = { for k, f in local.names.functions : k => replace(f.name, "{env}", var.env) }
  queue_names = merge(
    { for k, q in local.names.queues : k => replace(q.name, "{env}", var.env) },
    { "stream-failure-queue" = replace(local.names.streamFailureQueue.name, "{env}", var.env) },
  )
  dlq_names = { for k, q in local.names.queues : k => replace(q.dlq, "{env}", var.env) }

  # Published functions (names.json `publish`): the alias ARN is known before deploying; the ARN of the version a
  # deployment publishes is not, so it is written as a marker ("{function-version-arn:K}") that the root module
  # replaces with the version resource's qualified_arn (local.version_arns in ../functions.tf).
  aliases         = { for k, f in local.names.functions : k => f.publish.alias if can(f.publish.alias) }
  alias_arns      = { for k, a in local.aliases : k => format(local.arn, "lambda", "function:${local.function_names[k]}:${a}") }
  version_markers = { for k, a in local.aliases : k => "{function-version-arn:${k}}" }
  # Functions another one invokes pinned to a version: made in their own block (../functions.tf, `pinned`), before
  # the functions naming their version.
  pinned_keys = toset(flatten([for f in values(local.names.functions) : concat(
    [for v in values(f.environment) : substr(v, 22, length(v) - 23) if substr(v, 0, 22) == "{function-version-arn:"],
    flatten([for g in f.permissions : [for t in try(g.resources, []) : substr(t, 17, -1) if substr(t, 0, 17) == "function-version:"]]),
  )]))

  # Deploy-time inputs ({deploy-parameter:X}) stay markers, which the root module replaces with its variables.
  deploy_parameter_markers = toset(regexall("\\{deploy-parameter:[A-Za-z]+\\}", jsonencode(local.names)))
  layer                    = replace(replace(local.names.datadog.layer, "{partition}", var.partition), "{region}", var.region)

  # Permission resource tokens of names.json -> ARNs, per function (trigger-queue depends on the function).
  static_arns = merge(
    {
      "table"                = format(local.arn, "dynamodb", "table/${local.table_name}")
      "stream"               = format(local.arn, "dynamodb", "table/${local.table_name}/stream/*")
      "bus"                  = format(local.arn, "events", "event-bus/${local.bus_name}")
      "stream-failure-queue" = format(local.arn, "sqs", local.queue_names["stream-failure-queue"])
    },
    { for k, n in local.queue_names : "queue:${k}" => format(local.arn, "sqs", n) },
    { for k, n in local.parameter_names : "param:${k}" => format(local.arn, "ssm", "parameter${n}") },
    { for k, n in local.function_names : "function:${k}" => format(local.arn, "lambda", "function:${n}") },
    { for k, n in local.function_names : "function-qualified:${k}" => format(local.arn, "lambda", "function:${n}:*") },
    { for k, a in local.alias_arns : "function-alias:${k}" => a },
    { for k, m in local.version_markers : "function-version:${k}" => m },
    { for m in local.deploy_parameter_markers : trim(m, "{}") => m },
  )
  token_arns = { for k, f in local.names.functions : k => merge(local.static_arns,
    f.trigger.type == "sqs" ? { "trigger-queue" = format(local.arn, "sqs", local.queue_names[f.trigger.queue]) } : {}
  ) }

  grants = { for k, f in local.names.functions : k => [for g in concat(f.permissions, local.names.datadog.permissions) : {
    actions   = try(local.names.permissionSets[g.set].actions, g.actions)
    resources = [for t in try(local.names.permissionSets[g.set].resources, g.resources) : local.token_arns[k][t]]
  }] }

  # Environment values: {env} {domain} {table} {bus} {param:K} {function-arn:K} {function-alias-arn:K}, and the
  # marker {function-version-arn:K} kept for the root module.
  references = merge(
    { "{env}" = var.env, "{domain}" = local.names.domain, "{table}" = local.table_name, "{bus}" = local.bus_name },
    { "{service}" = local.names.service },
    { for m in local.deploy_parameter_markers : m => m },
    { for k, n in local.parameter_names : "{param:${k}}" => n },
    { for k, n in local.function_names : "{function-arn:${k}}" => format(local.arn, "lambda", "function:${n}") },
    { for k, a in local.alias_arns : "{function-alias-arn:${k}}" => a },
    { for k, m in local.version_markers : m => m },
  )
  # The Datadog variables, then the function's own.
  environment = { for k, f in local.names.functions : k => { for var_name, template in merge(local.names.datadog.environment, f.environment) : var_name => join("", [
    for part in regexall("(\\{[^}]*\\}|[^{]+)", template) : substr(part[0], 0, 1) == "{" ? local.references[part[0]] : part[0]
  ]) } }

  functions = { for k, f in local.names.functions : k => {
    name         = local.function_names[k]
    binary       = f.binary
    runtime      = local.names.lambda.runtime
    architecture = local.names.lambda.architecture
    handler      = local.names.lambda.handler
    memory_size  = local.names.lambda.memorySize
    timeout      = local.names.lambda.timeout
    environment  = local.environment[k]
    durable      = try(f.durable, null)
    publish      = can(f.publish.alias)
    statements   = [for g in local.grants[k] : { Effect = "Allow", Action = g.actions, Resource = g.resources }]
    managed      = "arn:${var.partition}:iam::aws:policy/${local.names.lambda.managedPolicy}"
    layers       = [local.layer]
  } }

  pinned_functions = { for k, f in local.functions : k => f if contains(local.pinned_keys, k) }
  other_functions  = { for k, f in local.functions : k => f if !contains(local.pinned_keys, k) }

  sqs_mappings = { for k, f in local.names.functions : k => {
    queue                   = f.trigger.queue
    batch_size              = f.trigger.batchSize
    function_response_types = f.trigger.reportBatchItemFailures ? ["ReportBatchItemFailures"] : []
  } if f.trigger.type == "sqs" }

  stream_mappings = { for k, f in local.names.functions : k => {
    batch_size                     = f.trigger.batchSize
    starting_position              = f.trigger.startingPosition
    bisect_batch_on_function_error = f.trigger.bisectBatchOnFunctionError
    maximum_retry_attempts         = f.trigger.maximumRetryAttempts
    function_response_types        = f.trigger.reportBatchItemFailures ? ["ReportBatchItemFailures"] : []
    filter_pattern                 = jsonencode(f.trigger.filter)
    on_failure                     = f.trigger.onFailure
  } if f.trigger.type == "stream" }

  http_routes = { for k, f in local.names.functions : k => {
    method = f.trigger.method
    path   = trimprefix(f.trigger.path, "/")
  } if f.trigger.type == "http" }

  queues = merge(
    { for k, q in local.names.queues : k => {
      name                       = local.queue_names[k]
      dlq                        = local.dlq_names[k]
      visibility_timeout_seconds = local.names.queueDefaults.visibilityTimeout
      message_retention_seconds  = local.names.queueDefaults.messageRetentionPeriod
      dlq_retention_seconds      = local.names.queueDefaults.dlqMessageRetentionPeriod
      max_receive_count          = local.names.queueDefaults.maxReceiveCount
      sqs_managed_sse_enabled    = local.names.queueDefaults.sqsManagedSse
    } },
  )
  stream_failure_queue = {
    name                       = local.queue_names["stream-failure-queue"]
    visibility_timeout_seconds = local.names.queueDefaults.visibilityTimeout
    message_retention_seconds  = local.names.queueDefaults.dlqMessageRetentionPeriod
    sqs_managed_sse_enabled    = local.names.queueDefaults.sqsManagedSse
  }

  rules = { for k, r in local.names.rules : k => {
    name    = r.name
    queue   = r.queue
    pattern = { for field, values in r.pattern : field => [for v in values : replace(v, "{env}", var.env)] }
  } }

  shared_rules = local.integrated ? local.rules : {}

  table = {
    name                   = local.table_name
    hash_key               = local.names.table.hashKey
    billing_mode           = local.names.table.billingMode
    stream_view_type       = local.names.table.streamViewType
    ttl_attribute          = local.names.table.ttlAttribute
    point_in_time_recovery = local.names.table.pointInTimeRecovery
  }
  # The SSM contract: outside the integrated environments the bus and the JWT secret too.
  written_parameters = { for k, v in local.names.writtenParameters : k => replace(v, "{env}", var.env)
  if !(local.integrated && contains(local.names.integrated.notWritten, k)) }

  cors_response_parameters = {
    "method.response.header.Access-Control-Allow-Origin"  = "'${local.names.api.cors.allowOrigin}'"
    "method.response.header.Access-Control-Allow-Headers" = "'${local.names.api.cors.allowHeaders}'"
    "method.response.header.Access-Control-Allow-Methods" = "'${local.names.api.cors.allowMethods}'"
  }
}
