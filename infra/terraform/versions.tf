terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # durable_config on aws_lambda_function needs a 6.x release from December 2025 or later.
      version = "~> 6.25"
    }
  }
}

provider "aws" {
  region = var.region
}
