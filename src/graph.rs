//! `pomichnyk graph`: one dialogue drawn as a graph, as Mermaid or Graphviz DOT text.
//!
//! Pure: both functions take a loaded [`Dialogue`] and return the text. One node per
//! step (its id and the start of its text), the start step and the end steps marked,
//! one edge per button, per quiz option and per text input; buttons that leave the
//! dialogue lead to external nodes (`dialogue:ID`, `action:NAME`, `link:URL`).

use std::collections::HashMap;

use crate::script::{Dialogue, Step, Target};

/// How many characters of a step's text, or of an edge label, are shown.
const SNIPPET: usize = 40;

/// Where an edge leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Node {
    /// A step of this dialogue, by index.
    Step(usize),
    /// Anything outside the dialogue, by its shown name (`dialogue:x`, `action:x`, `link:x`).
    External(External),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum External {
    Dialogue(String),
    Action(&'static str),
    Link(String),
    /// A step id the dialogue does not have (`check` refuses these; drawn anyway).
    Missing(String),
}

impl External {
    fn name(&self) -> String {
        match self {
            External::Dialogue(d) => format!("dialogue:{d}"),
            External::Action(a) => format!("action:{a}"),
            External::Link(url) => format!("link:{url}"),
            External::Missing(s) => format!("missing step:{s}"),
        }
    }
}

/// One edge: from a step to a node, with its label (plain text, not yet escaped).
struct Edge {
    from: usize,
    to: Node,
    label: String,
}

/// The graph in format-neutral form: the external nodes in order of first use, and
/// the edges in step order.
struct Graph {
    externals: Vec<External>,
    edges: Vec<Edge>,
}

impl Graph {
    fn of(d: &Dialogue, lang: usize) -> Graph {
        let mut externals: Vec<External> = Vec::new();
        let mut seen: HashMap<External, usize> = HashMap::new();
        let mut edges = Vec::new();
        let mut node = |e: External| -> Node {
            if !seen.contains_key(&e) {
                seen.insert(e.clone(), externals.len());
                externals.push(e.clone());
            }
            Node::External(e)
        };
        for (i, step) in d.steps.iter().enumerate() {
            let step_node = |id: &str, node: &mut dyn FnMut(External) -> Node| match d.index.get(id)
            {
                Some(&j) => Node::Step(j),
                None => node(External::Missing(id.to_string())),
            };
            for b in &step.buttons {
                let to = match &b.target {
                    Target::Step(s) => step_node(s, &mut node),
                    Target::Dialogue(x) => node(External::Dialogue(x.clone())),
                    Target::Action(a) => node(External::Action(a.name())),
                    Target::Link(url) => node(External::Link(url.clone())),
                };
                edges.push(Edge {
                    from: i,
                    to,
                    label: snippet(b.label.get(lang)),
                });
            }
            if let Some(quiz) = &step.quiz {
                for o in &quiz.options {
                    let mark = if o.correct { '✓' } else { '✗' };
                    edges.push(Edge {
                        from: i,
                        to: step_node(&quiz.next, &mut node),
                        label: format!("{mark} {}", snippet(o.text.get(lang))),
                    });
                }
            }
            if let Some(input) = &step.input {
                edges.push(Edge {
                    from: i,
                    to: step_node(&input.next, &mut node),
                    label: "(text)".to_string(),
                });
            }
        }
        Graph { externals, edges }
    }

    fn external_index(&self, e: &External) -> usize {
        self.externals
            .iter()
            .position(|x| x == e)
            .expect("every external node is listed")
    }

    /// The node's id in the output: `sN` for steps, `xN` for external nodes.
    fn id(&self, n: &Node) -> String {
        match n {
            Node::Step(i) => format!("s{i}"),
            Node::External(e) => format!("x{}", self.external_index(e)),
        }
    }
}

/// The first [`SNIPPET`] characters of `text`, whitespace (newlines too) collapsed to
/// single spaces, with `…` when cut.
fn snippet(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(SNIPPET).collect();
    if flat.chars().count() > SNIPPET {
        out.push('…');
    }
    out
}

/// The step's caption: id, a marker for start and end, and the start of its text.
fn caption(d: &Dialogue, i: usize, step: &Step, lang: usize) -> (String, String) {
    let mut head = step.id.clone();
    if i == d.start {
        head = format!("▶ {head}");
    }
    if step.end {
        head.push_str(" ■");
    }
    (head, snippet(step.text.get(lang)))
}

/// Escapes text for a double-quoted Mermaid string: entity codes for the characters
/// Mermaid or its HTML labels would read.
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The dialogue as a Mermaid flowchart. The start step is a stadium, end steps have
/// a double border (subroutine shape); external nodes are hexagons (dialogues),
/// flags (actions) and parallelograms (links).
pub fn mermaid(d: &Dialogue, lang: usize) -> String {
    let g = Graph::of(d, lang);
    let mut out = String::new();
    out.push_str(&format!("%% dialogue {}\n", d.id.replace('\n', " ")));
    out.push_str("flowchart TD\n");
    for (i, step) in d.steps.iter().enumerate() {
        let (head, text) = caption(d, i, step, lang);
        let label = format!("{}<br/>{}", mermaid_escape(&head), mermaid_escape(&text));
        let (open, close) = match (i == d.start, step.end) {
            (_, true) => ("[[", "]]"),
            (true, false) => ("([", "])"),
            (false, false) => ("[", "]"),
        };
        out.push_str(&format!("    s{i}{open}\"{label}\"{close}\n"));
    }
    for (n, e) in g.externals.iter().enumerate() {
        let label = mermaid_escape(&e.name());
        let (open, close) = match e {
            External::Dialogue(_) => ("{{", "}}"),
            External::Action(_) => (">", "]"),
            External::Link(_) => ("[/", "/]"),
            External::Missing(_) => ("[", "]"),
        };
        out.push_str(&format!("    x{n}{open}\"{label}\"{close}\n"));
    }
    for e in &g.edges {
        let label = mermaid_escape(&e.label);
        out.push_str(&format!(
            "    s{} -->|\"{label}\"| {}\n",
            e.from,
            g.id(&e.to)
        ));
    }
    out.push_str("    classDef start stroke-width:3px\n");
    out.push_str("    classDef finish stroke-width:3px,stroke-dasharray:0\n");
    out.push_str("    classDef external stroke-dasharray:4 3\n");
    out.push_str(&format!("    class s{} start\n", d.start));
    let ends: Vec<String> = (d.steps.iter().enumerate())
        .filter(|(_, s)| s.end)
        .map(|(i, _)| format!("s{i}"))
        .collect();
    if !ends.is_empty() {
        out.push_str(&format!("    class {} finish\n", ends.join(",")));
    }
    if !g.externals.is_empty() {
        let xs: Vec<String> = (0..g.externals.len()).map(|n| format!("x{n}")).collect();
        out.push_str(&format!("    class {} external\n", xs.join(",")));
    }
    out
}

/// Escapes text for a double-quoted DOT string: backslashes (so no `\n`, `\N`, `\l`
/// escape comes from the content) and quotes; newlines become `\n`.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The dialogue as a Graphviz digraph. The start step is bold and filled, end steps
/// have a double border; external nodes are dashed (folders for dialogues, arrows for
/// actions, notes with a `URL` for links).
pub fn dot(d: &Dialogue, lang: usize) -> String {
    let g = Graph::of(d, lang);
    let mut out = String::new();
    out.push_str(&format!("digraph \"{}\" {{\n", dot_escape(&d.id)));
    out.push_str("    rankdir=TB;\n");
    out.push_str("    node [shape=box, style=rounded, fontname=\"sans-serif\"];\n");
    out.push_str("    edge [fontname=\"sans-serif\", fontsize=10];\n");
    for (i, step) in d.steps.iter().enumerate() {
        let (head, text) = caption(d, i, step, lang);
        let mut attrs = format!("label=\"{}\\n{}\"", dot_escape(&head), dot_escape(&text));
        if i == d.start {
            attrs.push_str(", style=\"rounded,filled,bold\", fillcolor=\"#e3f2fd\", penwidth=2");
        }
        if step.end {
            attrs.push_str(", peripheries=2");
        }
        out.push_str(&format!("    s{i} [{attrs}];\n"));
    }
    for (n, e) in g.externals.iter().enumerate() {
        let label = dot_escape(&e.name());
        let shape = match e {
            External::Dialogue(_) => "folder".to_string(),
            External::Action(_) => "cds".to_string(),
            External::Link(url) => format!("note, URL=\"{}\"", dot_escape(url)),
            External::Missing(_) => "octagon".to_string(),
        };
        out.push_str(&format!(
            "    x{n} [label=\"{label}\", shape={shape}, style=dashed];\n"
        ));
    }
    for e in &g.edges {
        out.push_str(&format!(
            "    s{} -> {} [label=\"{}\"];\n",
            e.from,
            g.id(&e.to),
            dot_escape(&e.label)
        ));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_format_specific() {
        assert_eq!(mermaid_escape("a\"<b>#\nc"), "a#quot;#lt;b#gt;#35; c");
        assert_eq!(dot_escape("a\"\\n\nb<>"), "a\\\"\\\\n\\nb<>");
    }

    #[test]
    fn snippets_are_cut_and_flattened() {
        assert_eq!(snippet("a\n  b"), "a b");
        let long = "я".repeat(50);
        assert_eq!(snippet(&long).chars().count(), SNIPPET + 1);
    }
}
