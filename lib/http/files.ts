import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError } from '../errors/index.js';

/**
 * Files a function serves as they are (the console's bundle, Swagger UI's package): each read once
 * per instance, from the first of `folders` that holds it. `folders` is called on the first read
 * (resolving a package is left until a request needs it); a file none holds is a 503 naming where
 * it was looked for and `missingHint`, what makes it.
 */
export function servedFiles(folders: () => readonly string[], missingHint: string): (name: string) => string {
  const loaded = new Map<string, string>();
  return (name) => {
    let content = loaded.get(name);
    if (content === undefined) {
      const candidates = folders();
      const folder = candidates.find((candidate) => existsSync(join(candidate, name)));
      if (folder === undefined) throw new UnavailableError(`${name} is missing (looked in ${candidates.join(', ')}): ${missingHint}`);
      content = readFileSync(join(folder, name), 'utf8');
      loaded.set(name, content);
    }
    return content;
  };
}
