//! A real moto server per test: started from the workspace's `.venv` (through `moto_server.py`, which serializes
//! DynamoDB requests as DynamoDB does) on a free loopback port, ready when
//! `/moto-api/` answers, killed on drop (no orphan processes). Plus the resources the tests create with the SDK.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};
use loyalty_lambdas::aws::config::sdk_config_for_endpoint;
use serde_json::{Value, json};

/// A running moto server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The SDK configuration of clients of this server.
    pub config: SdkConfig,
}

fn venv_python() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python")
}

/// The launcher of moto's server with DynamoDB requests serialized (see the script: moto's transactions are not
/// safe under concurrent requests, DynamoDB's are).
fn launcher() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lambdas/tests/support/moto_server.py")
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

impl Moto {
    /// Starts moto server and waits until it answers.
    pub async fn start() -> Moto {
        let python = venv_python();
        let moto_server = python.with_file_name("moto_server");
        assert!(
            moto_server.exists(),
            "{} is missing: run `make python-tools` at the workspace root (installs moto[server] into .venv)",
            moto_server.display()
        );
        let port = free_port();
        let child = Command::new(&python)
            .arg(launcher())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let endpoint = format!("http://127.0.0.1:{port}");
        let mut moto = Moto {
            child,
            config: sdk_config_for_endpoint(&endpoint).await,
            endpoint,
        };
        moto.wait_ready().await;
        moto
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("moto_server exited before answering: {status}");
            }
            if let Ok(response) = http
                .get(format!("{}/moto-api/", self.endpoint))
                .send()
                .await
                && response.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer /moto-api/ within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A DynamoDB client of this server.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    /// Creates the service's table (hash key `PK`, stream NEW_AND_OLD_IMAGES) and returns its stream ARN.
    pub async fn create_table(&self, name: &str) -> String {
        let output = self
            .dynamodb()
            .create_table()
            .table_name(name)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("PK")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("PK")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        output
            .table_description()
            .and_then(|t| t.latest_stream_arn())
            .unwrap()
            .to_owned()
    }

    /// Creates `bus` and a rule sending `detail_types` of `source` to a new SQS queue; returns the queue URL.
    pub async fn route_to_queue(
        &self,
        bus: &str,
        rule: &str,
        source: &str,
        detail_types: &[&str],
        queue: &str,
    ) -> String {
        let events = aws_sdk_eventbridge::Client::new(&self.config);
        let sqs = self.sqs();
        if events.describe_event_bus().name(bus).send().await.is_err() {
            events.create_event_bus().name(bus).send().await.unwrap();
        }
        let queue_url = sqs
            .create_queue()
            .queue_name(queue)
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_owned();
        let queue_arn = format!("arn:aws:sqs:us-east-1:123456789012:{queue}");
        let pattern = json!({"source": [source], "detail-type": detail_types});
        events
            .put_rule()
            .name(rule)
            .event_bus_name(bus)
            .event_pattern(pattern.to_string())
            .send()
            .await
            .unwrap();
        events
            .put_targets()
            .rule(rule)
            .event_bus_name(bus)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("queue")
                    .arn(queue_arn)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        queue_url
    }

    /// An SQS client of this server.
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.config)
    }

    /// Receives up to `expected` messages from `queue_url` (waiting up to 5 s for them) as the SQS event Lambda
    /// would pass: `Records` with `messageId`, `receiptHandle`, `body`, `attributes`, `eventSource`...
    pub async fn receive_sqs_event(&self, queue_url: &str, expected: usize) -> Value {
        let sqs = self.sqs();
        let mut records = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while records.len() < expected && Instant::now() < deadline {
            let output = sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
                .send()
                .await
                .unwrap();
            for message in output.messages() {
                let attributes: serde_json::Map<String, Value> = message
                    .attributes()
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| (k.as_str().to_owned(), Value::from(v.clone())))
                            .collect()
                    })
                    .unwrap_or_default();
                records.push(json!({
                    "messageId": message.message_id(),
                    "receiptHandle": message.receipt_handle(),
                    "body": message.body(),
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": message.md5_of_body(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:queue",
                    "awsRegion": "us-east-1",
                }));
            }
            if output.messages().is_empty() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert_eq!(
            records.len(),
            expected,
            "messages received from {queue_url}"
        );
        json!({ "Records": records })
    }

    async fn streams_call(&self, target: &str, body: Value) -> Value {
        let response = reqwest::Client::new()
            .post(format!("{}/", self.endpoint))
            .header("X-Amz-Target", format!("DynamoDBStreams_20120810.{target}"))
            .header("Content-Type", "application/x-amz-json-1.0")
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{target} answered {status}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Every record of the table's stream so far, as moto's DynamoDB Streams `GetRecords` returns them (the shape
    /// of the records of a Lambda DynamoDB event), wrapped as `{"Records": [...]}` with `eventSourceARN` added.
    pub async fn stream_event(&self, stream_arn: &str) -> Value {
        let description = self
            .streams_call("DescribeStream", json!({"StreamArn": stream_arn}))
            .await;
        let shard_id = description["StreamDescription"]["Shards"][0]["ShardId"]
            .as_str()
            .unwrap()
            .to_owned();
        let iterator = self
            .streams_call(
                "GetShardIterator",
                json!({"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"}),
            )
            .await["ShardIterator"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut page = self
            .streams_call(
                "GetRecords",
                json!({"ShardIterator": iterator, "Limit": 1000}),
            )
            .await;
        let records = page["Records"].as_array_mut().unwrap();
        for record in records.iter_mut() {
            record["eventSourceARN"] = Value::from(stream_arn);
        }
        json!({ "Records": records })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
