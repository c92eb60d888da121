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
