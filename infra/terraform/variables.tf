variable "env" {
  type        = string
  description = "The environment (ENV): dev, prod or an ephemeral name."
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "artifacts_dir" {
  type        = string
  description = "Where cargo lambda wrote <binary>/bootstrap.zip (cargo lambda build --release --arm64 --output-format zip)."
  default     = "../../target/lambda"
}

variable "jwt_secret" {
  type        = string
  sensitive   = true
  default     = null
  description = "The JWT secret written to /<ENV>/LoyaltyService/secret-access-key; required outside the integrated environments (dev, prod), which read /<ENV>/shared/secret-access-key."
}

variable "dd_api_key_secret_arn" {
  type        = string
  description = "The ARN of the Secrets Manager secret holding the Datadog API key (DD_API_KEY_SECRET_ARN)."
}

variable "dd_site" {
  type        = string
  description = "The Datadog site (DD_SITE): datadoghq.com, datadoghq.eu, ..."
}

variable "dd_version" {
  type        = string
  description = "DD_VERSION: the version of the service deployed."
}
