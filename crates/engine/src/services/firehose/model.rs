//! A Firehose stream's configuration (what CreateDeliveryStream and UpdateDestination set), read
//! from AWS's request shapes and written back as DescribeDeliveryStream's description.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{errors, naming};
use crate::{kernel::error::AwsError, services::lambda::errors::Validation};

/// The one destination of a stream: its id is always this, as AWS numbers destinations.
pub const DESTINATION_ID: &str = "destinationId-000000000001";
pub const DEFAULT_SIZE_MB: u32 = 5;
pub const DEFAULT_INTERVAL_S: u32 = 300;
const COMPRESSIONS: [&str; 5] = ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"];

/// CloudWatchLoggingOptions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Logging {
    pub enabled: bool,
    pub group: Option<String>,
    pub stream: Option<String>,
}

/// The Amazon S3 destination (ExtendedS3DestinationConfiguration or S3DestinationConfiguration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Destination {
    pub role_arn: String,
    pub bucket_arn: String,
    pub prefix: Option<String>,
    pub error_output_prefix: Option<String>,
    pub size_mb: u32,
    pub interval_s: u32,
    pub compression: String,
    pub logging: Logging,
    pub file_extension: Option<String>,
    pub custom_time_zone: Option<String>,
}

impl S3Destination {
    /// The bucket name of `arn:aws:s3:::{bucket}`.
    pub fn bucket(&self) -> &str {
        self.bucket_arn.rsplit(':').next().unwrap_or_default()
    }

    pub fn size_limit_bytes(&self) -> usize {
        self.size_mb as usize * 1_048_576
    }

    pub fn interval_ms(&self) -> i64 {
        self.interval_s as i64 * 1000
    }

    /// The extension delivered objects end with: FileExtension, else `.gz` for GZIP.
    pub fn extension(&self) -> &str {
        match &self.file_extension {
            Some(e) => e,
            None if self.compression == "GZIP" => ".gz",
            None => "",
        }
    }

    /// S3DestinationDescription (the members every S3 destination has).
    pub fn describe_s3(&self) -> Value {
        let mut d = Map::new();
        d.insert("RoleARN".into(), json!(self.role_arn));
        d.insert("BucketARN".into(), json!(self.bucket_arn));
        if let Some(p) = &self.prefix {
            d.insert("Prefix".into(), json!(p));
        }
        if let Some(p) = &self.error_output_prefix {
            d.insert("ErrorOutputPrefix".into(), json!(p));
        }
        d.insert("BufferingHints".into(), json!({"SizeInMBs": self.size_mb, "IntervalInSeconds": self.interval_s}));
        d.insert("CompressionFormat".into(), json!(self.compression));
        d.insert("EncryptionConfiguration".into(), json!({"NoEncryptionConfig": "NoEncryption"}));
        let mut logging = json!({"Enabled": self.logging.enabled});
        if let Some(g) = &self.logging.group {
            logging["LogGroupName"] = json!(g);
        }
        if let Some(s) = &self.logging.stream {
            logging["LogStreamName"] = json!(s);
        }
        d.insert("CloudWatchLoggingOptions".into(), logging);
        Value::Object(d)
    }

    /// ExtendedS3DestinationDescription.
    pub fn describe_extended(&self) -> Value {
        let mut d = self.describe_s3();
        d["S3BackupMode"] = json!("Disabled");
        d["ProcessingConfiguration"] = json!({"Enabled": false, "Processors": []});
        d["DataFormatConversionConfiguration"] = json!({"Enabled": false});
        if let Some(e) = &self.file_extension {
            d["FileExtension"] = json!(e);
        }
        if let Some(z) = &self.custom_time_zone {
            d["CustomTimeZone"] = json!(z);
        }
        d
    }
}

/// Extended-S3 members that turn on features the sandbox does not simulate, by the flag that
/// turns each on.
const UNSUPPORTED_FLAGS: [(&str, &str); 3] = [
    ("ProcessingConfiguration", "Data transformation with Lambda (ProcessingConfiguration)"),
    ("DataFormatConversionConfiguration", "Record format conversion (DataFormatConversionConfiguration)"),
    ("DynamicPartitioningConfiguration", "Dynamic partitioning (DynamicPartitioningConfiguration)"),
];

/// Reads an S3 destination configuration (`path` is the member's camelCase name for messages).
/// With `base`, it is an update: absent members keep the base's values.
pub fn read_destination(v: &mut Validation, config: &Value, path: &str, extended: bool, base: Option<&S3Destination>) -> Result<Option<S3Destination>, AwsError> {
    if !config.is_object() {
        v.serialization(format!("Unexpected value type for {path}: expected a structure"));
        return Ok(None);
    }
    let update = base.is_some();
    let role = if update { v.string(config, "RoleARN", &format!("{path}.roleARN"), 1, 512) } else { v.required_string(config, "RoleARN", &format!("{path}.roleARN"), 1, 512) };
    let bucket =
        if update { v.string(config, "BucketARN", &format!("{path}.bucketARN"), 1, 2048) } else { v.required_string(config, "BucketARN", &format!("{path}.bucketARN"), 1, 2048) };
    let prefix = v.string(config, "Prefix", &format!("{path}.prefix"), 0, 1024);
    let error_prefix = v.string(config, "ErrorOutputPrefix", &format!("{path}.errorOutputPrefix"), 0, 1024);
    let compression = v.string(config, "CompressionFormat", &format!("{path}.compressionFormat"), 0, usize::MAX);
    if let Some(c) = compression.as_deref().filter(|c| !COMPRESSIONS.contains(c)) {
        v.constraint(Some(c), &format!("{path}.compressionFormat"), "Member must satisfy enum value set: [HADOOP_SNAPPY, ZIP, Snappy, GZIP, UNCOMPRESSED]");
    }
    let (mut size, mut interval) = (None, None);
    if let Some(h) = config.get("BufferingHints").filter(|h| !h.is_null()) {
        if h.is_object() {
            size = v.integer(h, "SizeInMBs", &format!("{path}.bufferingHints.sizeInMBs"), 1, 128);
            interval = v.integer(h, "IntervalInSeconds", &format!("{path}.bufferingHints.intervalInSeconds"), 0, 900);
        } else {
            v.serialization("Unexpected value type for BufferingHints: expected a structure".into());
        }
    }
    let mut logging = base.map(|b| b.logging.clone());
    if let Some(l) = config.get("CloudWatchLoggingOptions").filter(|l| !l.is_null()) {
        let enabled = v.boolean(l, "Enabled").unwrap_or(false);
        let group = v.string(l, "LogGroupName", &format!("{path}.cloudWatchLoggingOptions.logGroupName"), 0, 512);
        let stream = v.string(l, "LogStreamName", &format!("{path}.cloudWatchLoggingOptions.logStreamName"), 0, 512);
        logging = Some(Logging { enabled, group, stream });
    }
    let (mut extension, mut zone) = (None, None);
    if extended {
        extension = v.string(config, "FileExtension", &format!("{path}.fileExtension"), 0, 128);
        zone = v.string(config, "CustomTimeZone", &format!("{path}.customTimeZone"), 0, 50);
        if let Some(e) = extension.as_deref().filter(|e| !e.is_empty()) {
            let ok = e.starts_with('.') && e.len() > 1 && e[1..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"!-_.*'()".contains(&b));
            if !ok {
                v.constraint(Some(e), &format!("{path}.fileExtension"), "Member must satisfy regular expression pattern: ^$|\\.[0-9a-z!\\-_.*'()]+");
            }
        }
    }
    v.finish_ref()?;

    // Features that exist on AWS but not here are refused by name.
    if extended {
        for (member, what) in UNSUPPORTED_FLAGS {
            if config.get(member).and_then(|c| c.get("Enabled")).and_then(Value::as_bool) == Some(true) {
                return Err(errors::not_simulated(what));
            }
        }
        match config.get("S3BackupMode").and_then(Value::as_str) {
            None | Some("Disabled") => {}
            Some(_) => return Err(errors::not_simulated("Source record backup (S3BackupMode Enabled)")),
        }
        for member in ["S3BackupConfiguration", "S3BackupUpdate"] {
            if config.get(member).is_some_and(|c| !c.is_null()) {
                return Err(errors::not_simulated(&format!("Source record backup ({member})")));
            }
        }
        if let Some(z) = zone.as_deref().filter(|z| !z.is_empty() && *z != "UTC") {
            return Err(errors::not_simulated(&format!("CustomTimeZone {z} (only UTC)")));
        }
    }
    if let Some(e) = config.get("EncryptionConfiguration").filter(|e| !e.is_null()) {
        if e.get("KMSEncryptionConfig").is_some_and(|k| !k.is_null()) {
            return Err(errors::not_simulated("Encryption of delivered objects with KMS (KMSEncryptionConfig)"));
        }
    }
    if let Some(c) = compression.as_deref().filter(|c| !matches!(*c, "UNCOMPRESSED" | "GZIP")) {
        return Err(errors::not_simulated(&format!("CompressionFormat {c} (UNCOMPRESSED and GZIP are)")));
    }
    if let Some(b) = &bucket {
        let name = b.strip_prefix("arn:aws:s3:::").unwrap_or_default();
        if name.is_empty() || name.len() > 255 || !name.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_')) {
            return Err(AwsError::new(
                "",
                "ValidationException",
                format!("1 validation error detected: Value '{b}' at '{path}.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:s3:::[\\w\\.\\-]{{1,255}}"),
                400,
            ));
        }
    }
    if let Some(r) = role.as_deref().filter(|r| !r.starts_with("arn:")) {
        return Err(AwsError::new(
            "",
            "ValidationException",
            format!("1 validation error detected: Value '{r}' at '{path}.roleARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:iam::\\d{{12}}:role/[a-zA-Z_0-9+=,.@\\-_/]+"),
            400,
        ));
    }
    let d = S3Destination {
        role_arn: role.or_else(|| base.map(|b| b.role_arn.clone())).unwrap_or_default(),
        bucket_arn: bucket.or_else(|| base.map(|b| b.bucket_arn.clone())).unwrap_or_default(),
        prefix: prefix.or_else(|| base.and_then(|b| b.prefix.clone())),
        error_output_prefix: error_prefix.or_else(|| base.and_then(|b| b.error_output_prefix.clone())),
        size_mb: size.or(base.map(|b| b.size_mb)).unwrap_or(DEFAULT_SIZE_MB),
        interval_s: interval.or(base.map(|b| b.interval_s)).unwrap_or(DEFAULT_INTERVAL_S),
        compression: compression.or_else(|| base.map(|b| b.compression.clone())).unwrap_or_else(|| "UNCOMPRESSED".into()),
        logging: logging.unwrap_or_default(),
        file_extension: extension.or_else(|| base.and_then(|b| b.file_extension.clone())),
        custom_time_zone: zone.or_else(|| base.and_then(|b| b.custom_time_zone.clone())),
    };
    naming::check_prefixes(d.prefix.as_deref(), d.error_output_prefix.as_deref())?;
    Ok(Some(d))
}

/// Lambda's Validation consumes itself on finish; destinations are read inside a larger request,
/// so this checks without consuming.
pub(crate) trait FinishRef {
    fn finish_ref(&mut self) -> Result<(), AwsError>;
}

impl FinishRef for Validation {
    fn finish_ref(&mut self) -> Result<(), AwsError> {
        std::mem::take(self).finish()
    }
}
