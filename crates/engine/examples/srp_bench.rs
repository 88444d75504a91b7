//! What a Cognito SRP sign-in costs the engine: InitiateAuth (USER_SRP_AUTH: B = kv + g^b over
//! the 3072-bit group) plus RespondToAuthChallenge (PASSWORD_VERIFIER: S = (A·v^u)^b, HKDF, the
//! claim HMAC, then two RS256 signatures for the ID and access tokens), timed on the server side
//! only; the client's half (amazon-cognito-identity-js's math, done here by the test client) is
//! timed apart. Also the one-off costs: a pool's 2048-bit RSA key (CreateUserPool) and a
//! password's SRP verifier (AdminSetUserPassword).
//!
//! cargo run --release -p gureum-engine --example srp_bench [-- rounds]

use std::time::Instant;

use base64::Engine as _;
use gureum_engine::kernel::rng::Rng;
use gureum_engine::services::cognito::srp;
use gureum_engine::{Engine, EngineConfig, Request};
use serde_json::{json, Value};

const T: i64 = 1_790_000_000_000;

fn call(e: &mut Engine, op: &str, input: Value) -> Value {
    e.call(T, &Request::new("cognito-idp", op, "us-east-1", input)).unwrap_or_else(|err| panic!("{op}: {err:?}"))
}

fn stats(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    println!("{name:<48} mean {mean:7.2} ms   p50 {:7.2} ms   min {:7.2} ms   max {:7.2} ms   (n={})", ms[ms.len() / 2], ms[0], ms[ms.len() - 1], ms.len());
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let mut e = Engine::new(EngineConfig::default(), T);
    e.control(T, "PauseClock", &json!({})).expect("pause");

    let mut keygen = Vec::new();
    let mut pool = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        pool = call(&mut e, "CreateUserPool", json!({ "PoolName": "bench" }))["UserPool"]["Id"].as_str().unwrap().to_string();
        keygen.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let client = call(&mut e, "CreateUserPoolClient", json!({ "UserPoolId": pool, "ClientName": "c" }))["UserPoolClient"]["ClientId"].as_str().unwrap().to_string();
    call(&mut e, "AdminCreateUser", json!({ "UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS" }));
    let mut verifier = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        call(&mut e, "AdminSetUserPassword", json!({ "UserPoolId": pool, "Username": "alice", "Password": "Passw0rd!", "Permanent": true }));
        verifier.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    let pool_name = pool.split_once('_').unwrap().1.to_string();
    let mut rng = Rng::seeded(7);
    let (mut server, mut client_side) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let c = srp::Client::new(&mut rng);
        let a = c.srp_a();
        let mut client_ms = t.elapsed().as_secs_f64() * 1000.0;

        let t = Instant::now();
        let init = call(&mut e, "InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": { "USERNAME": "alice", "SRP_A": a } }));
        let mut server_ms = t.elapsed().as_secs_f64() * 1000.0;

        let t = Instant::now();
        let p = &init["ChallengeParameters"];
        let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
        let key = c.key(&pool_name, user_id, "Passw0rd!", p["SALT"].as_str().unwrap(), p["SRP_B"].as_str().unwrap()).unwrap();
        let block = p["SECRET_BLOCK"].as_str().unwrap();
        let ts = srp::timestamp(T);
        let b64 = base64::engine::general_purpose::STANDARD;
        let sig = b64.encode(srp::claim_signature(&key, &pool_name, user_id, &b64.decode(block).unwrap(), &ts));
        client_ms += t.elapsed().as_secs_f64() * 1000.0;

        let t = Instant::now();
        let out = call(
            &mut e,
            "RespondToAuthChallenge",
            json!({ "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": { "USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block, "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts } }),
        );
        server_ms += t.elapsed().as_secs_f64() * 1000.0;
        assert!(out["AuthenticationResult"]["IdToken"].is_string());
        server.push(server_ms);
        client_side.push(client_ms);
        e.take_changes();
    }
    stats("CreateUserPool (2048-bit RSA key generation)", keygen);
    stats("AdminSetUserPassword (salt + SRP verifier)", verifier);
    stats("SRP sign-in, server side (Initiate + Respond)", server);
    stats("SRP sign-in, client side (A, S, HKDF, HMAC)", client_side);
}
