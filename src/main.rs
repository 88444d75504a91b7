//! Gureum's web app: panels over the engine, which runs in a Web Worker (see `bridge`).

mod app;
mod bridge;
mod clock;
mod dynamo_json;
mod i18n;
mod notify;
mod panels;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
