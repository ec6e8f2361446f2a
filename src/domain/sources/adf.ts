// Atlassian Document Format → plain text, for routing patterns and summaries.
// Jira Cloud sends `description` and comment bodies either as wiki text or as ADF.

export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
}

const BLOCKS = new Set(['paragraph', 'heading', 'blockquote', 'codeBlock', 'rule', 'panel', 'tableRow', 'mediaSingle']);

export function adfToText(node: AdfNode): string {
  return render(node)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function render(node: AdfNode): string {
  switch (node.type) {
    case 'text':
      return node.text ?? '';
    case 'hardBreak':
      return '\n';
    case 'mention':
    case 'emoji':
    case 'status':
      return String(node.attrs?.text ?? node.attrs?.shortName ?? '');
    case 'inlineCard':
      return String(node.attrs?.url ?? '');
    case 'listItem':
      return `- ${children(node).trim()}\n`;
    case 'bulletList':
    case 'orderedList':
      return `${children(node)}\n`;
    default: {
      const inner = children(node);
      return BLOCKS.has(node.type) ? `${inner}\n\n` : inner;
    }
  }
}

function children(node: AdfNode): string {
  return (node.content ?? []).map(render).join('');
}

/** Builds a minimal ADF document for outbound comments: one paragraph per line of text. */
export function textToAdf(text: string): { type: 'doc'; version: 1; content: AdfNode[] } {
  return {
    type: 'doc',
    version: 1,
    content: text.split('\n').map((line) => ({
      type: 'paragraph',
      content: line ? [{ type: 'text', text: line }] : [],
    })),
  };
}
