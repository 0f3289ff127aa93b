// A JSON document whose one big array is written in pieces as the client reads, so a large page
// never becomes one string and a slow reader holds back the writer instead of the heap.

/** Items serialised per piece. */
const PIECE = 256;

/**
 * `{...head, [arrayKey]: items.map(toJson)}` as a streamed body. `head` must not contain `arrayKey`.
 * `trailingNewline` writes whisker-backend's newline after the document.
 */
export function streamJson<T>(
  head: Record<string, unknown>,
  arrayKey: string,
  items: readonly T[],
  toJson: (item: T) => unknown,
  options: { status?: number; contentType?: string; trailingNewline?: boolean } = {},
): Response {
  const encoder = new TextEncoder();
  const opening = JSON.stringify(head);
  let prefix = `${opening.slice(0, -1)}${opening.length > 2 ? ',' : ''}${JSON.stringify(arrayKey)}:[`;
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const end = Math.min(items.length, next + PIECE);
      const parts: string[] = [];
      for (let i = next; i < end; i++) parts.push(JSON.stringify(toJson(items[i] as T)));
      let text = prefix + (next > 0 && parts.length > 0 ? ',' : '') + parts.join(',');
      prefix = '';
      next = end;
      if (next >= items.length) text += `]}${options.trailingNewline ? '\n' : ''}`;
      controller.enqueue(encoder.encode(text));
      if (next >= items.length) controller.close();
    },
  });
  return new Response(body, {
    status: options.status ?? 200,
    headers: { 'content-type': options.contentType ?? 'application/json' },
  });
}
