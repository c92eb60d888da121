//! `workflow check FILE...`, `workflow diagram FILE`, `workflow schema`.

fn main() {}
