# Every name and setting comes from ../names.json through the provider-free module ./names (behaviour F15).
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

module "names" {
  source    = "./names"
  env       = var.env
  partition = data.aws_partition.current.partition
  region    = var.region
  account   = data.aws_caller_identity.current.account_id
}
