//! The real function binaries under their `lambda_runtime` loop, served by a Runtime API stand-in on 127.0.0.1,
//! with moto as their AWS endpoint: cold start from the environment, the event in, the response out.
//!
//! The same scenarios run on the arm64 Lambda packages `make package` builds, under qemu user-mode emulation
//! (`make package-test`): the zips themselves work, not only the host build.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::moto::Moto;
use crate::runtime_api::{Answer, RuntimeApi, get_loyalty_event};
use loyalty_lambdas::aws::{DynamoAccountStore, EventBridgePublisher};
use loyalty_service::core::jwt::mint_hs256;
use loyalty_service::ports::{AccountStore, Clock, EventPublisher, SystemClock};
use loyalty_service::producers;
use serde_json::{Value, json};

const TABLE: &str = "LoyaltyService-Points-dev";

struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Which build of a function a scenario starts.
enum Build {
    /// The host binary cargo built for these tests.
    Host(&'static str),
    /// `<LAMBDA_PACKAGE_DIR>/<binary>/bootstrap.zip`, unzipped into a temporary directory and run by `qemu-aarch64`
    /// with the arm64 C library of `QEMU_LD_PREFIX` (default `/usr/aarch64-linux-gnu`, Debian's
    /// `libc6-arm64-cross`).
    Arm64Package(&'static str),
}

/// A started function's program, and the directory its unzipped package lives in (removed on drop).
struct Program {
    command: Command,
    _unzipped: Option<tempfile::TempDir>,
}

impl Build {
    /// A timeout for one invocation: emulation is several times slower than the host.
    fn patience(&self) -> Duration {
        match self {
            Build::Host(_) => Duration::from_secs(20),
            Build::Arm64Package(_) => Duration::from_secs(90),
        }
    }

    fn program(&self) -> Program {
        match self {
            Build::Host(path) => Program {
                command: Command::new(path),
                _unzipped: None,
            },
            Build::Arm64Package(binary) => {
                let packages = std::env::var_os("LAMBDA_PACKAGE_DIR").expect(
                    "LAMBDA_PACKAGE_DIR names the directory `make package` wrote (run `make package-test`)",
                );
                let zip = PathBuf::from(packages).join(binary).join("bootstrap.zip");
                let unzipped = tempfile::tempdir().unwrap();
                let bootstrap = unzip_bootstrap(&zip, unzipped.path());
                let prefix = std::env::var("QEMU_LD_PREFIX")
                    .unwrap_or_else(|_| "/usr/aarch64-linux-gnu".to_string());
                let mut command = Command::new("qemu-aarch64");
                command.arg("-L").arg(prefix).arg(bootstrap);
                Program {
                    command,
                    _unzipped: Some(unzipped),
                }
            }
        }
    }
}

/// Extracts the `bootstrap` of a package with Python's zipfile (the zip's only entry) and makes it executable.
fn unzip_bootstrap(zip: &Path, into: &Path) -> PathBuf {
    assert!(
        zip.is_file(),
        "no package at {} (run `make package`)",
        zip.display()
    );
    let status = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(zip)
        .arg(into)
        .status()
        .unwrap();
    assert!(status.success(), "cannot unzip {}", zip.display());
    let bootstrap = into.join("bootstrap");
    std::fs::set_permissions(
        &bootstrap,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    bootstrap
}

fn function_command<'a>(
    program: &'a mut Program,
    moto: &Moto,
    runtime: &RuntimeApi,
) -> &'a mut Command {
    program
        .command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "under-test")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "stream")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "group")
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .stdout(Stdio::null())
}

/// The bodies an OTLP/HTTP collector on 127.0.0.1 receives; its traces endpoint.
async fn start_span_collector() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let received = bodies.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let received = received.clone();
            async move { received.lock().unwrap().push(body.to_vec()) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), bodies)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handle_user_created_credits_an_sqs_event_from_the_runtime_api() {
    user_created_is_credited(Build::Host(env!("CARGO_BIN_EXE_handle-user-created"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the arm64 packages and qemu-user: run by `make package-test`"]
async fn arm64_package_of_handle_user_created_credits_an_sqs_event() {
    user_created_is_credited(Build::Arm64Package("handle-user-created")).await;
}

/// A queue consumer: a `userCreated` event from SQS credits 100 points, and the invocation's spans are exported.
async fn user_created_is_credited(build: Build) {
    let moto = Moto::start().await;
    moto.create_table(TABLE).await;
    let queue = moto
        .route_to_queue(
            "LoyaltyService-bus-dev",
            "r",
            "dev.users",
            &["users.userCreated.v1"],
            "users",
        )
        .await;
    let bus = EventBridgePublisher::new(
        aws_sdk_eventbridge::Client::new(&moto.config),
        "LoyaltyService-bus-dev",
    );
    bus.publish(&[producers::user_created("dev", "u1", SystemClock.now_ms())])
        .await
        .unwrap();
    let event = moto.receive_sqs_event(&queue, 1).await;

    let (collector, spans) = start_span_collector().await;
    let runtime = RuntimeApi::start().await;
    runtime.invoke("req-1", event);
    let mut program = build.program();
    let _function = Function(
        function_command(&mut program, &moto, &runtime)
            .env("TABLE_NAME", TABLE)
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let answer = runtime.answer("req-1", build.patience()).await;
    assert_eq!(answer, Answer::Response(json!({"batchItemFailures": []})));
    // The invocation's spans were exported before its response (the sandbox may be frozen right after).
    let exported = spans.lock().unwrap().concat();
    let span_name = b"process users.userCreated.v1";
    assert!(exported.windows(span_name.len()).any(|w| w == span_name));
    let account = DynamoAccountStore::new(moto.dynamodb(), TABLE)
        .load_account("u1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.points, 100);
}

#[tokio::test]
async fn get_loyalty_account_answers_an_api_gateway_event_with_the_secret_from_ssm() {
    api_answers_with_the_secret_from_ssm(Build::Host(env!("CARGO_BIN_EXE_get-loyalty-account")))
        .await;
}

#[tokio::test]
#[ignore = "needs the arm64 packages and qemu-user: run by `make package-test`"]
async fn arm64_package_of_get_loyalty_account_answers_an_api_gateway_event() {
    api_answers_with_the_secret_from_ssm(Build::Arm64Package("get-loyalty-account")).await;
}

/// The API function: the JWT secret read from SSM at cold start, a signed `GET /loyalty` of an unknown member -> 404.
async fn api_answers_with_the_secret_from_ssm(build: Build) {
    let moto = Moto::start().await;
    moto.create_table(TABLE).await;
    aws_sdk_ssm::Client::new(&moto.config)
        .put_parameter()
        .name("/dev/shared/secret-access-key")
        .value("binary-secret")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let token = mint_hs256(
        "nobody",
        b"binary-secret",
        SystemClock.now_ms() / 1000,
        3600,
    )
    .unwrap();
    let event = get_loyalty_event(Some(&format!("Bearer {token}")));
    let runtime = RuntimeApi::start().await;
    runtime.invoke("req-1", event);
    let mut program = build.program();
    let _function = Function(
        function_command(&mut program, &moto, &runtime)
            .env("TABLE_NAME", TABLE)
            .env("JWT_SECRET_PARAM_NAME", "/dev/shared/secret-access-key")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let Answer::Response(response) = runtime.answer("req-1", build.patience()).await else {
        panic!("the function reported an error")
    };
    assert_eq!(response["statusCode"], 404);
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"success": false, "message": ["Not found"]}));
}

#[tokio::test]
async fn a_function_without_its_table_setting_fails_its_cold_start_naming_it() {
    let moto = Moto::start().await;
    let runtime = RuntimeApi::start().await;
    let mut program = Build::Host(env!("CARGO_BIN_EXE_handle-order-completed")).program();
    let output = function_command(&mut program, &moto, &runtime)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cold start failed: environment variable TABLE_NAME is not set"),
        "{stderr}"
    );
    // The cause also reached the Runtime API, as AWS reports it.
    let Answer::Error(reported) = runtime.answer("init", Duration::from_secs(1)).await else {
        panic!("no init error reported")
    };
    assert_eq!(reported["errorType"], "Runtime.InitError");
    assert_eq!(
        reported["errorMessage"],
        "cold start failed: environment variable TABLE_NAME is not set"
    );
}

#[tokio::test]
async fn an_api_function_whose_secret_cannot_be_read_reports_its_init_error_with_the_cause() {
    // SSM has no such parameter: the API functions read it before the runtime starts.
    let moto = Moto::start().await;
    moto.create_table(TABLE).await;
    let runtime = RuntimeApi::start().await;
    let mut program = Build::Host(env!("CARGO_BIN_EXE_get-loyalty-account")).program();
    let output = function_command(&mut program, &moto, &runtime)
        .env("TABLE_NAME", TABLE)
        .env("JWT_SECRET_PARAM_NAME", "/dev/shared/no-such-secret")
        .stderr(Stdio::piped())
        .output()
        .unwrap();

    let Answer::Error(reported) = runtime.answer("init", Duration::from_secs(1)).await else {
        panic!("no init error reported")
    };
    assert!(!output.status.success());
    assert_eq!(reported["errorType"], "Runtime.InitError");
    let message = reported["errorMessage"].as_str().unwrap();
    assert!(message.starts_with("cold start failed: "), "{message}");
    assert!(message.contains("/dev/shared/no-such-secret"), "{message}");
}
