//! The workflow graph in SVG: the layout of [`super::wf_model::layout`], states coloured by type
//! (or by their status in an execution), validation errors outlined red with their message,
//! edges that take a dropped palette item (or, selected, a clicked one), and pan (drag the
//! background) and zoom (buttons, or the wheel with Ctrl).

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use serde_json::Value;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::{
    wf_client::Status,
    wf_model::{layout, EdgeRef, Layout, NodeKind, Scope},
};

/// What is selected on the graph.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    State(String),
    Edge(EdgeRef),
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub definition: Value,
    /// Error messages by state name.
    pub problems: HashMap<String, Vec<String>>,
    /// Execution status by state name (empty when not showing an execution).
    #[prop_or_default]
    pub status: HashMap<String, Status>,
    pub selected: Option<Selection>,
    pub on_select: Callback<Option<Selection>>,
    /// A palette item dropped on an edge.
    #[prop_or_default]
    pub on_drop_edge: Option<Callback<(EdgeRef, String)>>,
    /// A palette item dropped on a lane or the canvas (the machine at that scope).
    #[prop_or_default]
    pub on_drop_scope: Option<Callback<(Scope, String)>>,
    /// The palette item being dragged (set by the palette).
    #[prop_or_default]
    pub dragging: Option<Rc<RefCell<Option<String>>>>,
    #[prop_or_default]
    pub label: String,
}

fn type_class(t: &str) -> &'static str {
    match t {
        "Task" => "t-task",
        "Choice" => "t-choice",
        "Wait" => "t-wait",
        "Parallel" => "t-parallel",
        "Map" => "t-map",
        "Pass" => "t-pass",
        "Succeed" => "t-succeed",
        "Fail" => "t-fail",
        _ => "t-other",
    }
}

fn edge_name(e: &EdgeRef) -> String {
    format!("Transition from {} to {}", e.from.as_deref().unwrap_or("Start"), e.to.as_deref().unwrap_or("End"))
}

struct Ctx<'a> {
    p: &'a Props,
    drop_over: UseStateHandle<Option<String>>,
}

fn render(l: &Layout, c: &Ctx) -> Html {
    let p = c.p;
    let edges = l.edges.iter().map(|e| {
        let sel = matches!(&p.selected, Some(Selection::Edge(s)) if *s == e.r);
        let key = format!("{:?}", e.r);
        let over = c.drop_over.as_deref() == Some(key.as_str());
        let r = e.r.clone();
        let onclick = {
            let (cb, r) = (p.on_select.clone(), r.clone());
            Callback::from(move |ev: MouseEvent| {
                ev.stop_propagation();
                cb.emit(Some(Selection::Edge(r.clone())));
            })
        };
        let onkeydown = {
            let (cb, r) = (p.on_select.clone(), r.clone());
            Callback::from(move |ev: KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    cb.emit(Some(Selection::Edge(r.clone())));
                }
            })
        };
        let droppable = super::wf_model::can_insert(&e.r) && p.on_drop_edge.is_some();
        let ondragover = {
            let (over, key) = (c.drop_over.clone(), key.clone());
            Callback::from(move |ev: DragEvent| {
                if droppable {
                    ev.prevent_default();
                    ev.stop_propagation();
                    if over.as_deref() != Some(key.as_str()) {
                        over.set(Some(key.clone()));
                    }
                }
            })
        };
        let ondragleave = {
            let over = c.drop_over.clone();
            Callback::from(move |_: DragEvent| over.set(None))
        };
        let ondrop = {
            let (cb, r, dragging, over) = (p.on_drop_edge.clone(), r.clone(), p.dragging.clone(), c.drop_over.clone());
            Callback::from(move |ev: DragEvent| {
                ev.prevent_default();
                ev.stop_propagation();
                over.set(None);
                if let (Some(cb), Some(item)) = (&cb, dragging.as_ref().and_then(|d| d.borrow_mut().take())) {
                    cb.emit((r.clone(), item));
                }
            })
        };
        let label = e.label.as_ref().map(|t| {
            let w = t.chars().count() as f64 * 6.0 + 10.0;
            html! {
                <g class="edge-label" transform={format!("translate({:.1},{:.1})", e.label_at.0, e.label_at.1)}>
                    <rect x={format!("{:.1}", -w / 2.0)} y="-9" width={format!("{w:.1}")} height="18" rx="4" />
                    <text text-anchor="middle" y="4">{ t }</text>
                </g>
            }
        });
        html! {
            <g class={classes!("edge", e.dashed.then_some("dashed"), sel.then_some("selected"), over.then_some("drop-over"))} role="button" tabindex="0"
                aria-label={edge_name(&e.r)} aria-pressed={sel.to_string()} {onclick} {onkeydown} {ondragover} {ondragleave} {ondrop}>
                <path class="hit" d={e.path.clone()} />
                <path class="line" d={e.path.clone()} marker-end="url(#wf-arrow)" />
                if droppable && e.label.is_none() {
                    <g class="handle" transform={format!("translate({:.1},{:.1})", e.mid.0, e.mid.1)}>
                        <circle r="9" />
                        <text text-anchor="middle" y="4">{ "+" }</text>
                    </g>
                }
                { for label }
            </g>
        }
    });
    let nodes = l.nodes.iter().map(|n| {
        let tr = format!("translate({:.1},{:.1})", n.x, n.y);
        match &n.kind {
            NodeKind::Start | NodeKind::End => {
                let text = if n.kind == NodeKind::Start { "Start" } else { "End" };
                html! {
                    <g class="pill" transform={tr}>
                        <rect width={n.w.to_string()} height={n.h.to_string()} rx="13" />
                        <text x={(n.w / 2.0).to_string()} y="17" text-anchor="middle">{ text }</text>
                    </g>
                }
            }
            NodeKind::State(t) => {
                let name = n.name.clone();
                let sel = matches!(&p.selected, Some(Selection::State(s)) if *s == name);
                let problems = p.problems.get(&name);
                let status = p.status.get(&name).copied();
                let onclick = {
                    let (cb, name) = (p.on_select.clone(), name.clone());
                    Callback::from(move |ev: MouseEvent| {
                        ev.stop_propagation();
                        cb.emit(Some(Selection::State(name.clone())));
                    })
                };
                let onkeydown = {
                    let (cb, name) = (p.on_select.clone(), name.clone());
                    Callback::from(move |ev: KeyboardEvent| {
                        if ev.key() == "Enter" || ev.key() == " " {
                            ev.prevent_default();
                            cb.emit(Some(Selection::State(name.clone())));
                        }
                    })
                };
                let container = !n.lanes.is_empty();
                let detail = match problems {
                    Some(m) => m[0].clone(),
                    None => match status {
                        Some(s) => s.label().to_string(),
                        None => n.detail.clone(),
                    },
                };
                // 11px text: about 6.6 px a character (bold error text a little more).
                let fits = ((n.w - 16.0) / if problems.is_some() { 7.8 } else { 6.2 }) as usize;
                let detail = if detail.chars().count() > fits { format!("{}…", detail.chars().take(fits.saturating_sub(1)).collect::<String>()) } else { detail };
                let title = problems.map(|m| m.join("\n")).unwrap_or_else(|| format!("{name} ({t})"));
                let aria = match status {
                    Some(s) => format!("State {name} ({t}): {}", s.label()),
                    None => format!("State {name} ({t})"),
                };
                let lanes = n.lanes.iter().map(|lane| {
                    let scope = lane.scope.clone();
                    let ondragover = Callback::from(move |ev: DragEvent| ev.prevent_default());
                    let ondrop = {
                        let (cb, dragging) = (p.on_drop_scope.clone(), p.dragging.clone());
                        Callback::from(move |ev: DragEvent| {
                            ev.prevent_default();
                            ev.stop_propagation();
                            if let (Some(cb), Some(item)) = (&cb, dragging.as_ref().and_then(|d| d.borrow_mut().take())) {
                                cb.emit((scope.clone(), item));
                            }
                        })
                    };
                    html! {
                        <g class="lane" transform={format!("translate({:.1},{:.1})", lane.x, lane.y)} {ondragover} {ondrop}>
                            <rect class="lane-box" width={format!("{:.1}", lane.layout.w)} height={format!("{:.1}", lane.layout.h)} rx="6" />
                            <text class="lane-label" x="8" y="-5">{ &lane.label }</text>
                            { render(&lane.layout, c) }
                        </g>
                    }
                });
                html! {
                    <g class={classes!("node", type_class(t), container.then_some("container"), status.map(Status::class), problems.map(|_| "has-error"), sel.then_some("selected"))}
                        transform={tr} role="button" tabindex="0" aria-label={aria} aria-pressed={sel.to_string()} data-state={name.clone()} {onclick} {onkeydown}>
                        <title>{ title }</title>
                        <rect class="box" width={format!("{:.1}", n.w)} height={format!("{:.1}", n.h)} rx="7" />
                        if status == Some(Status::Retrying) {
                            <rect class="stripes" width={format!("{:.1}", n.w)} height={format!("{:.1}", n.h)} rx="7" fill="url(#wf-stripes)" pointer-events="none" />
                        }
                        <text class="type" x="10" y="14" pointer-events="none">{ t }</text>
                        <text class="name" x="10" y="29" pointer-events="none">{ &name }</text>
                        <text class={classes!("detail", problems.map(|_| "error-text"))} x="10" y="41" pointer-events="none">{ detail }</text>
                        { for lanes }
                    </g>
                }
            }
        }
    });
    html! { <>{ for edges }{ for nodes }</> }
}

#[function_component(WfGraph)]
pub fn wf_graph(p: &Props) -> Html {
    let lay = use_memo(p.definition.clone(), |d| layout(d, &Vec::new()));
    let drop_over = use_state(|| None::<String>);
    // The view box (x, y, w, h) after the user panned or zoomed; None fits the graph.
    let view = use_state(|| None::<(f64, f64, f64, f64)>);
    let drag = use_mut_ref(|| None::<(i32, i32, (f64, f64, f64, f64))>);
    let svg_ref = use_node_ref();
    // The SVG's size on the page, measured after each render (the view box keeps 1:1 at fit).
    let size = use_state(|| (900.0, 600.0));
    {
        let (svg_ref, size) = (svg_ref.clone(), size.clone());
        use_effect(move || {
            if let Some(e) = svg_ref.cast::<web_sys::Element>() {
                let s = (e.client_width().max(200) as f64, e.client_height().max(200) as f64);
                if s != *size {
                    size.set(s);
                }
            }
            || ()
        });
    }
    let (pw, ph) = *size;
    let fit = {
        // No upscaling past 1:1: a small graph stays readable, centred at the top.
        let (w, h) = (lay.w.max(pw), lay.h.max(ph));
        let s = (w / pw).max(h / ph);
        let (vw, vh) = (pw * s, ph * s);
        ((lay.w - vw) / 2.0, 0.0, vw, vh)
    };
    let vb = view.unwrap_or(fit);
    let zoom = |f: f64| {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| {
            let (x, y, w, h) = vb;
            let (nw, nh) = (w * f, h * f);
            view.set(Some((x + (w - nw) / 2.0, y + (h - nh) / 2.0, nw, nh)));
        })
    };
    let onmousedown = {
        let drag = drag.clone();
        Callback::from(move |e: MouseEvent| {
            let on_bg =
                e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| el.tag_name() == "svg" || el.get_attribute("class").as_deref() == Some("bg"));
            if on_bg && e.button() == 0 {
                *drag.borrow_mut() = Some((e.client_x(), e.client_y(), vb));
            }
        })
    };
    let onmousemove = {
        let (drag, view) = (drag.clone(), view.clone());
        Callback::from(move |e: MouseEvent| {
            if let Some((x0, y0, (x, y, w, h))) = *drag.borrow() {
                let s = w / pw;
                view.set(Some((x - (e.client_x() - x0) as f64 * s, y - (e.client_y() - y0) as f64 * s, w, h)));
            }
        })
    };
    let onmouseup = {
        let drag = drag.clone();
        Callback::from(move |_: MouseEvent| *drag.borrow_mut() = None)
    };
    let onwheel = {
        let view = view.clone();
        Callback::from(move |e: WheelEvent| {
            if !e.ctrl_key() {
                return;
            }
            e.prevent_default();
            let f = if e.delta_y() > 0.0 { 1.15 } else { 1.0 / 1.15 };
            let (x, y, w, h) = vb;
            let (nw, nh) = (w * f, h * f);
            view.set(Some((x + (w - nw) / 2.0, y + (h - nh) / 2.0, nw, nh)));
        })
    };
    let onclick_bg = {
        let cb = p.on_select.clone();
        Callback::from(move |e: MouseEvent| {
            let on_bg =
                e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| el.tag_name() == "svg" || el.get_attribute("class").as_deref() == Some("bg"));
            if on_bg {
                cb.emit(None);
            }
        })
    };
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let (cb, dragging) = (p.on_drop_scope.clone(), p.dragging.clone());
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let (Some(cb), Some(item)) = (&cb, dragging.as_ref().and_then(|d| d.borrow_mut().take())) {
                cb.emit((Vec::new(), item));
            }
        })
    };
    let c = Ctx { p, drop_over: drop_over.clone() };
    let scale = pw / vb.2;
    html! {
        <div class="wf-graph">
            <div class="wf-zoom" role="group" aria-label="Zoom">
                <button class="btn small" title="Zoom in" aria-label="Zoom in" onclick={zoom(1.0 / 1.25)}>{ "+" }</button>
                <button class="btn small" title="Zoom out" aria-label="Zoom out" onclick={zoom(1.25)}>{ "−" }</button>
                <button class="btn small" title="Fit the graph" onclick={let v = view.clone(); Callback::from(move |_| v.set(None))}>{ "Fit" }</button>
                <span class="muted zoom-level">{ format!("{:.0}%", scale * 100.0) }</span>
            </div>
            <svg ref={svg_ref} class="wf-svg" role="group" aria-label={if p.label.is_empty() { "Workflow graph".to_string() } else { p.label.clone() }}
                viewBox={format!("{:.1} {:.1} {:.1} {:.1}", vb.0, vb.1, vb.2, vb.3)} preserveAspectRatio="xMidYMin meet"
                {onmousedown} {onmousemove} onmouseup={onmouseup.clone()} onmouseleave={onmouseup} {onwheel} onclick={onclick_bg} {ondragover} {ondrop}>
                <defs>
                    <marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrow" />
                    </marker>
                    <pattern id="wf-stripes" width="10" height="10" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect width="5" height="10" fill="rgba(214, 160, 0, 0.35)" />
                    </pattern>
                </defs>
                <rect class="bg" x={format!("{:.1}", vb.0 - 2000.0)} y={format!("{:.1}", vb.1 - 2000.0)} width={format!("{:.1}", vb.2 + 4000.0)} height={format!("{:.1}", vb.3 + 4000.0)} />
                { render(&lay, &c) }
            </svg>
        </div>
    }
}
