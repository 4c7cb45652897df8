/**
 * A remark plugin: every `[n]` in the answer's prose (never in code, which
 * Markdown keeps in other node types, and never inside a link) becomes a
 * `<sup data-citation="n">[n]</sup>`, which the Markdown renderer shows as a
 * citation when the answer has source n, and as the plain text `[n]` otherwise.
 */
interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
  data?: { hName?: string; hProperties?: Record<string, unknown> };
}

const MARKER = /\[(\d{1,3})\]/g;
/** Nodes whose text must stay as it is: a button cannot sit inside a link. */
const LEAVE_ALONE = new Set(["link", "linkReference", "definition"]);

export function remarkCitationMarkers() {
  return (tree: MdNode) => visit(tree);
}

function visit(node: MdNode) {
  if (!node.children || LEAVE_ALONE.has(node.type)) return;
  node.children = node.children.flatMap((child) => {
    if (child.type === "text" && child.value) return splitMarkers(child.value);
    visit(child);
    return [child];
  });
}

function splitMarkers(value: string): MdNode[] {
  const nodes: MdNode[] = [];
  let last = 0;
  for (const match of value.matchAll(MARKER)) {
    if (match.index > last) nodes.push({ type: "text", value: value.slice(last, match.index) });
    nodes.push({
      type: "text",
      value: match[0],
      data: { hName: "sup", hProperties: { dataCitation: Number(match[1]) } },
    });
    last = match.index + match[0].length;
  }
  if (last === 0) return [{ type: "text", value }];
  if (last < value.length) nodes.push({ type: "text", value: value.slice(last) });
  return nodes;
}
