//! The UI's two languages, English and Korean (한국어).
//!
//! The English text is the key: a panel writes `ctx.t("Export to file")` and gets the Korean
//! text when the learner chose Korean, the English otherwise (also for a text not translated
//! yet, so nothing is ever blank). Texts with values take `{}` placeholders, filled in order by
//! [`Lang::tf`]. The choice is remembered in `localStorage` (`gureum.lang`); the first visit
//! follows the browser's language. AWS's own names (operation names, error types, service names
//! like DynamoDB) stay in English in both languages, as the AWS console in Korean keeps them.
//!
//! The Korean texts are in [`KO`]: a test checks that every key there is still written somewhere
//! in the UI's sources (a changed English text would otherwise silently lose its translation) and
//! that each translation keeps its placeholders.

use std::collections::HashMap;

use yew::Html;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

const STORAGE_KEY: &str = "gureum.lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("ko") => Some(Lang::Ko),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }

    /// The remembered choice, else the browser's language, else English.
    pub fn load() -> Lang {
        let w = web_sys::window();
        let saved = w.as_ref().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        saved.as_deref().and_then(Lang::from_code).or_else(|| w.and_then(|w| w.navigator().language()).as_deref().and_then(Lang::from_code)).unwrap_or(Lang::En)
    }

    /// Remembers the choice and marks the document's language (screen readers, fonts).
    pub fn save(self) {
        let Some(w) = web_sys::window() else { return };
        if let Some(s) = w.local_storage().ok().flatten() {
            let _ = s.set_item(STORAGE_KEY, self.code());
        }
        if let Some(root) = w.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", self.code());
        }
    }

    /// `en` in this language.
    pub fn t(self, en: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Ko => KO_MAP.with(|m| m.get(en).copied()).unwrap_or(en),
        }
    }

    /// `en` in this language with its `{}` placeholders filled by `args`, in order.
    pub fn tf(self, en: &'static str, args: &[&str]) -> String {
        let mut out = String::new();
        let mut args = args.iter();
        let mut parts = self.t(en).split("{}");
        if let Some(first) = parts.next() {
            out.push_str(first);
        }
        for p in parts {
            out.push_str(args.next().copied().unwrap_or(""));
            out.push_str(p);
        }
        out
    }

    /// `en` in this language as markup, its `{}` placeholders filled by `parts` in order (code,
    /// links, emphasis), so a sentence is translated whole, in the word order of its language.
    pub fn th(self, en: &'static str, parts: Vec<Html>) -> Html {
        let mut parts = parts.into_iter();
        let mut nodes: Vec<Html> = Vec::new();
        for (i, text) in self.t(en).split("{}").enumerate() {
            if i > 0 {
                nodes.push(parts.next().unwrap_or_default());
            }
            if !text.is_empty() {
                nodes.push(Html::from(text));
            }
        }
        nodes.into_iter().collect::<Html>()
    }
}

thread_local! {
    static KO_MAP: HashMap<&'static str, &'static str> = KO.iter().copied().collect();
}

/// English → Korean. Keep AWS's names (services, operations, errors) in English.
pub const KO: &[(&str, &str)] = &[
    // The shell.
    ("Home", "홈"),
    ("Tables", "테이블"),
    ("Functions", "함수"),
    ("APIs", "API"),
    ("Workflows", "워크플로"),
    ("Auth", "인증"),
    ("Logs", "로그"),
    ("Inbox", "받은 편지함"),
    ("Scenarios", "시나리오"),
    ("Services", "서비스"),
    ("Region", "리전"),
    ("Language", "언어"),
    ("Saved in this browser", "이 브라우저에 저장됨"),
    ("In memory only", "메모리에만 있음"),
    ("Engine stopped", "엔진 중지됨"),
    ("Starting…", "시작하는 중…"),
    ("Where your sandbox is kept", "샌드박스가 보관되는 곳"),
    ("Another tab holds this sandbox; this tab works through it.", "다른 탭이 이 샌드박스를 맡고 있으며, 이 탭은 그 탭을 통해 작동합니다."),
    ("Gureum could not start", "Gureum을 시작할 수 없습니다"),
    ("Your sandbox is kept in memory only: {}. It will be gone when this tab closes.", "샌드박스가 메모리에만 보관됩니다: {}. 이 탭을 닫으면 사라집니다."),
    ("Storage", "저장소"),
    ("Dismiss", "닫기"),
    // The clock bar.
    ("Simulated clock starting…", "시뮬레이션 시계를 시작하는 중…"),
    ("Simulated clock", "시뮬레이션 시계"),
    ("Simulated time: every service in the sandbox reads this clock", "시뮬레이션 시간: 샌드박스의 모든 서비스가 이 시계를 읽습니다"),
    ("‖ paused", "‖ 일시 중지됨"),
    ("sim time", "시뮬레이션 시간"),
    ("▶ Play", "▶ 재생"),
    ("‖ Pause", "‖ 일시 중지"),
    ("Let simulated time run", "시뮬레이션 시간을 흐르게 합니다"),
    ("Stop simulated time", "시뮬레이션 시간을 멈춥니다"),
    ("+1 h", "+1시간"),
    ("+1 d", "+1일"),
    ("Jump ahead one hour", "한 시간 앞으로 건너뜁니다"),
    ("Jump ahead one day", "하루 앞으로 건너뜁니다"),
    ("Clock", "시계"),
    ("Clock speed", "시계 속도"),
    ("Jumped ahead one hour; everything scheduled in between has run.", "한 시간 앞으로 건너뛰었습니다. 그 사이에 예약된 작업은 모두 실행되었습니다."),
    ("Jumped ahead one day; everything scheduled in between has run.", "하루 앞으로 건너뛰었습니다. 그 사이에 예약된 작업은 모두 실행되었습니다."),
    ("60× (1 min/s)", "60× (초당 1분)"),
    ("3600× (1 h/s)", "3600× (초당 1시간)"),
    ("in {}", "{} 후"),
    ("{} d {} h", "{}일 {}시간"),
    ("{} h {} min", "{}시간 {}분"),
    ("{} min {} s", "{}분 {}초"),
    ("{} s", "{}초"),
    ("Jumped to the event; it has run.", "이벤트 시점으로 건너뛰었습니다. 이벤트가 실행되었습니다."),
    ("What is scheduled on the simulated clock", "시뮬레이션 시계에 예약된 일"),
    ("Timeline ({})", "타임라인 ({})"),
    ("Scheduled events", "예약된 이벤트"),
    (
        "Nothing is scheduled. TTL deletions, Wait states, retries, backups and deliveries appear here when they are.",
        "예약된 일이 없습니다. TTL 삭제, Wait 상태, 재시도, 백업, 전송이 예약되면 여기에 나타납니다.",
    ),
    ("Jump", "건너뛰기"),
    ("Retry", "재시도"),
    ("Timeout", "제한 시간"),
    ("Backup", "백업"),
    ("Expiry", "만료"),
    ("Delivery", "전송"),
    ("Status", "상태"),
    ("Event", "이벤트"),
    // Home.
    ("Welcome to Gureum", "Gureum에 오신 것을 환영합니다"),
    ("구름 · the AWS serverless cloud in a browser tab", "구름 · 브라우저 탭 안의 AWS 서버리스 클라우드"),
    (
        "A sandbox that behaves like AWS: no account, no server, no bill. Everything runs in this tab, on a simulated clock you control.",
        "AWS처럼 동작하는 샌드박스입니다. 계정도, 서버도, 요금도 없습니다. 모든 것이 이 탭 안에서, 여러분이 조종하는 시뮬레이션 시계 위에서 실행됩니다.",
    ),
    (
        "Your sandbox is saved in this browser (IndexedDB): reload or close the tab and it is still here.",
        "샌드박스는 이 브라우저(IndexedDB)에 저장됩니다. 새로 고치거나 탭을 닫아도 그대로 남아 있습니다.",
    ),
    ("Your sandbox lives in memory only: it will be gone when this tab closes.", "샌드박스가 메모리에만 있습니다. 이 탭을 닫으면 사라집니다."),
    ("Starting the engine…", "엔진을 시작하는 중…"),
    ("Start from a scenario", "시나리오로 시작하기"),
    (
        "Every example of the serverless overview, built in one click: a scores table, DAX, a welcome email from a stream, TTL, global tables, PITR, export and import, API Gateway with Lambda, Kinesis and usage plans.",
        "서버리스 개요의 모든 예제를 클릭 한 번으로 만듭니다: 점수 테이블, DAX, 스트림으로 보내는 환영 이메일, TTL, 글로벌 테이블, PITR, 내보내기와 가져오기, Lambda와 API Gateway, Kinesis, 사용량 계획.",
    ),
    ("1. Create your first table", "1. 첫 테이블 만들기"),
    (
        "DynamoDB stores items by a partition key (and optionally a sort key). Open Tables, press {}, and add a few items.",
        "DynamoDB는 파티션 키(그리고 선택적으로 정렬 키)로 항목을 저장합니다. 테이블을 열고 {}을 누른 뒤 항목을 몇 개 추가해 보세요.",
    ),
    ("Create table", "테이블 생성"),
    ("2. Play with time", "2. 시간 다루기"),
    (
        "The clock bar at the top is the sandbox's time. Pause it, or jump ahead an hour or a day: scheduled work runs as if the time had passed.",
        "맨 위의 시계 막대가 샌드박스의 시간입니다. 멈추거나 한 시간, 하루 앞으로 건너뛰면 예약된 작업이 그 시간이 흐른 것처럼 실행됩니다.",
    ),
    ("3. Script it", "3. 스크립트로 다루기"),
    ("Open the browser console and call the same API the panels use:", "브라우저 콘솔을 열고 패널이 쓰는 것과 같은 API를 호출해 보세요:"),
    ("4. Use real SDKs", "4. 실제 SDK 사용하기"),
    ("Run {} and point boto3 or the AWS CLI at {}.", "{}을 실행하고 boto3나 AWS CLI의 엔드포인트를 {}(으)로 지정하세요."),
    ("What this build simulates", "이 빌드가 시뮬레이션하는 것"),
    ("Service", "서비스"),
    ("What you can do", "할 수 있는 일"),
    // The sandbox controls.
    ("Your sandbox", "내 샌드박스"),
    (
        "Save everything (tables, items, the clock) to a JSON file, load such a file to continue elsewhere, or start over.",
        "모든 것(테이블, 항목, 시계)을 JSON 파일로 저장하거나, 그런 파일을 불러와 다른 곳에서 이어 하거나, 처음부터 다시 시작하세요.",
    ),
    ("Export to file", "파일로 내보내기"),
    ("Import from file…", "파일에서 가져오기…"),
    ("Reset sandbox", "샌드박스 초기화"),
    ("Copy share link", "공유 링크 복사"),
    ("Export", "내보내기"),
    ("Import", "가져오기"),
    ("Reset", "초기화"),
    ("Share", "공유"),
    ("Share link", "공유 링크"),
    ("The file could not be read.", "파일을 읽을 수 없습니다."),
    ("The file is not JSON: {}", "파일이 JSON이 아닙니다: {}"),
    ("The sandbox was replaced by the file's contents.", "샌드박스가 파일의 내용으로 바뀌었습니다."),
    (
        "Delete every resource in the sandbox, in every region? Export it first if you want to keep it.",
        "모든 리전에서 샌드박스의 모든 리소스를 삭제할까요? 남겨 두려면 먼저 내보내세요.",
    ),
    ("The sandbox is empty again.", "샌드박스가 다시 비었습니다."),
    (
        "The link to this sandbox is on your clipboard ({} characters). Whoever opens it gets a copy of it in their own browser.",
        "이 샌드박스의 링크가 클립보드에 복사되었습니다({}자). 링크를 여는 사람은 자신의 브라우저에 사본을 받습니다.",
    ),
    ("The link is in the field below ({} characters): copy it from there.", "링크가 아래 칸에 있습니다({}자). 거기서 복사하세요."),
    (
        "This sandbox is too large for a link ({} KB compressed; links carry up to {} KB). Share it as a file: Export to file.",
        "이 샌드박스는 링크로 보내기에 너무 큽니다(압축 후 {} KB, 링크는 {} KB까지). 파일로 공유하세요: 파일로 내보내기.",
    ),
    (
        "Open the shared sandbox? It replaces everything in your sandbox (export yours first to keep it).",
        "공유된 샌드박스를 열까요? 내 샌드박스의 모든 것이 바뀝니다(남겨 두려면 먼저 내보내세요).",
    ),
    ("The shared sandbox is loaded.", "공유된 샌드박스를 불러왔습니다."),
    ("The share link is damaged: {}", "공유 링크가 손상되었습니다: {}"),
    // What this build simulates (Home).
    (
        "Tables, indexes and items; Query, Scan, PartiQL, batches and transactions; capacity, auto scaling, TTL, streams, backups and PITR, global tables, export and import.",
        "테이블, 인덱스와 항목; Query, Scan, PartiQL, 배치와 트랜잭션; 용량, Auto Scaling, TTL, 스트림, 백업과 PITR, 글로벌 테이블, 내보내기와 가져오기.",
    ),
    (
        "JavaScript functions with the AWS SDK v3 built in: versions, aliases, concurrency, asynchronous invocation and event source mappings.",
        "AWS SDK v3가 내장된 JavaScript 함수: 버전, 별칭, 동시성, 비동기 호출과 이벤트 소스 매핑.",
    ),
    (
        "REST APIs with Lambda, mock and AWS-service integrations, mapping templates, authorizers, API keys and usage plans, CORS and OpenAPI.",
        "Lambda, 모의(mock), AWS 서비스 통합을 갖춘 REST API, 매핑 템플릿, 권한 부여자, API 키와 사용량 계획, CORS와 OpenAPI.",
    ),
    (
        "State machines in the Amazon States Language, drawn as a graph, run with their history, callbacks and retries.",
        "Amazon States Language로 쓴 상태 머신을 그래프로 그리고, 기록·콜백·재시도와 함께 실행합니다.",
    ),
    (
        "User pools (sign-up, SRP sign-in, tokens, groups) and identity pools (AWS credentials for signed-in users and guests).",
        "사용자 풀(가입, SRP 로그인, 토큰, 그룹)과 자격 증명 풀(로그인한 사용자와 게스트를 위한 AWS 자격 증명).",
    ),
    ("Every function's and service's logs, with filter patterns.", "모든 함수와 서비스의 로그를 필터 패턴으로 검색합니다."),
    ("Buckets and objects, multipart uploads, previews of what services wrote there.", "버킷과 객체, 멀티파트 업로드, 서비스가 쓴 내용의 미리 보기."),
    ("Email sent by your code, delivered to the Inbox.", "코드가 보낸 이메일이 받은 편지함으로 배달됩니다."),
    ("Shards, records, iterators and enhanced fan-out.", "샤드, 레코드, 반복자(iterator)와 향상된 팬아웃."),
    ("Buffers records and delivers them to S3.", "레코드를 버퍼에 모아 S3로 전송합니다."),
    ("A cache cluster in front of a table: item and query caches with their TTLs.", "테이블 앞의 캐시 클러스터: TTL이 있는 항목 캐시와 쿼리 캐시."),
    ("SQL over DynamoDB exports in S3.", "S3에 내보낸 DynamoDB 데이터에 SQL을 실행합니다."),
    ("Roles and policies evaluated on every call, temporary credentials, queues.", "호출마다 평가되는 역할과 정책, 임시 자격 증명, 대기열."),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(dir: &std::path::Path, out: &mut String) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("i18n.rs") {
                out.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }

    #[test]
    fn every_translation_is_of_a_text_the_ui_still_shows() {
        let mut src = String::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut src);
        // Rust string literals as written in the sources: the key, with `"` and `\` escaped.
        let stale: Vec<&str> = KO.iter().map(|(en, _)| *en).filter(|en| !src.contains(&format!("{:?}", en))).collect();
        assert!(stale.is_empty(), "translations of texts no longer in src/: {stale:?}");
    }

    #[test]
    fn each_text_is_translated_once_and_keeps_its_placeholders() {
        let mut seen = std::collections::HashSet::new();
        for (en, ko) in KO {
            assert!(seen.insert(*en), "translated twice: {en:?}");
            assert!(!ko.trim().is_empty(), "empty translation of {en:?}");
            assert_eq!(en.matches("{}").count(), ko.matches("{}").count(), "placeholders differ: {en:?} → {ko:?}");
        }
    }

    #[test]
    fn english_is_the_fallback_and_placeholders_fill_in_order() {
        assert_eq!(Lang::Ko.t("Tables"), "테이블");
        assert_eq!(Lang::En.t("Tables"), "Tables");
        assert_eq!(Lang::Ko.t("a text nobody translated"), "a text nobody translated");
        assert_eq!(Lang::En.tf("The file is not JSON: {}", &["EOF"]), "The file is not JSON: EOF");
        assert_eq!(Lang::Ko.tf("The file is not JSON: {}", &["EOF"]), "파일이 JSON이 아닙니다: EOF");
        assert_eq!(Lang::from_code("ko-KR"), Some(Lang::Ko));
        assert_eq!(Lang::from_code("en-US"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr"), None);
    }
}
