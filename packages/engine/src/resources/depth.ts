// How deeply YAML text nests, read from the lexer's tokens (which do not recurse), so that hostile
// nesting is refused before the recursive composer overflows the stack.
import { CST, Lexer } from 'yaml';

/** Levels of block and flow collections a YAML or JSON document may nest (manifests use about ten). */
export const YAML_DEPTH_LIMIT = 100;

export interface TooDeep {
  /** 1-based line and column of the first token beyond the limit. */
  line: number;
  column: number;
  message: string;
}

/**
 * Where `text` first nests deeper than `limit` levels, or undefined. A level is a flow collection
 * (`[`, `{`) or a block indentation step (including each `- ` or `? ` on one line); the count may
 * exceed the composer's by one, never fall below it.
 */
export function yamlTooDeep(text: string, limit = YAML_DEPTH_LIMIT): TooDeep | undefined {
  let line = 1;
  let col = 0;
  let flow = 0;
  let block: number[] = [];
  let lineStart = true;
  let nested = false;
  let blockScalar = false;
  let scalarNext = false;
  for (const token of new Lexer().lex(text)) {
    if (token === CST.SCALAR) {
      scalarNext = true;
      continue;
    }
    if (token === CST.DOCUMENT || token === CST.FLOW_END || token === CST.BOM) continue;
    const type = scalarNext ? 'scalar' : CST.tokenType(token);
    const scalarOfBlock = scalarNext && blockScalar;
    scalarNext = false;
    const at = { line, column: col + 1 };
    const newline = token.lastIndexOf('\n');
    if (newline >= 0) {
      for (const ch of token) if (ch === '\n') line++;
      col = token.length - newline - 1;
    } else col += token.length;

    if (type === 'newline') {
      lineStart = true;
      nested = false;
      continue;
    }
    if (type === 'space' || type === 'comment') continue;
    if (type === 'doc-start' || type === 'doc-end') {
      block = [];
      flow = 0;
      continue;
    }
    if (flow === 0 && !scalarOfBlock) {
      if (lineStart) {
        while (block.length > 0 && (block.at(-1) as number) >= at.column) block.pop();
        block.push(at.column);
      } else if (nested) block.push(at.column);
    }
    lineStart = false;
    nested = type === 'seq-item-ind' || type === 'explicit-key-ind';
    blockScalar = type === 'block-scalar-header';
    if (type === 'flow-map-start' || type === 'flow-seq-start') flow++;
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flow = Math.max(0, flow - 1);
    if (block.length + flow > limit) {
      return {
        ...at,
        message: `nested deeper than ${limit} levels (the limit) at line ${at.line}, column ${at.column}`,
      };
    }
  }
  return undefined;
}
