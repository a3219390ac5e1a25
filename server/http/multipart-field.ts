import { AppError, badRequest } from '../errors';
import { multipartEvents } from './multipart-stream';

/**
 * The content of one field of a multipart/form-data body, streamed; other
 * fields are skipped. It ends when the field does, without reading the rest.
 */
export async function* multipartField(bytes: AsyncIterable<Uint8Array>, boundary: string, name: string): AsyncGenerator<Buffer> {
  let wanted = false;
  try {
    for await (const event of multipartEvents(bytes, boundary)) {
      if (event.type === 'part') wanted = event.name === name;
      else if (!wanted) continue;
      else if (event.type === 'data') yield event.chunk;
      else return;
    }
  } catch (err) {
    if (wanted && err instanceof AppError && err.code === 'BAD_REQUEST')
      throw badRequest(`The multipart body ends inside the "${name}" field (the upload is incomplete)`);
    throw err;
  }
  throw badRequest(`The multipart body has no "${name}" field`);
}
