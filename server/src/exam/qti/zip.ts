import yauzl from 'yauzl';
import { posix } from 'node:path';
import { ImportInvalidError } from '@examhall/shared';

/** What a QTI package may hold before we refuse it as too big (zip bombs lie about nothing here: bytes are counted as inflated). */
export interface ZipLimits {
  maxEntries: number;
  /** the inflated bytes of every XML file together */
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 5_000, maxTotalBytes: 64 * 1024 * 1024 };

/**
 * The XML files of a zip, by their normalised path inside it. Other files (images, stylesheets) are
 * not read: examhall keeps text only. Refuses names that climb out of the package (`..`, absolute
 * paths), more entries than `maxEntries`, and more than `maxTotalBytes` once inflated.
 */
export async function readZipXmlFiles(zipPath: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<Map<string, string>> {
  let zip: yauzl.ZipFile;
  try {
    // yauzl itself refuses absolute and `..` names (decodeStrings) and entries larger than their header says
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }, (err, z) => (err ? reject(err) : resolve(z))),
    );
  } catch (err) {
    throw refused(`not a readable zip: ${(err as Error).message}`);
  }
  if (zip.entryCount > limits.maxEntries) {
    closeQuietly(zip);
    throw refused(`the zip has ${zip.entryCount} entries; at most ${limits.maxEntries} are accepted`);
  }
  const files = new Map<string, string>();
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName;
        if (name.endsWith('/') || !name.toLowerCase().endsWith('.xml')) return zip.readEntry();
        const normalised = posix.normalize(name.replaceAll('\\', '/'));
        if (normalised.startsWith('../') || normalised.startsWith('/')) return reject(new Error(`${name}: the name leaves the package`));
        if (total + entry.uncompressedSize > limits.maxTotalBytes) return reject(new Error(`more than ${limits.maxTotalBytes} bytes of XML once inflated`));
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => {
            total += chunk.length;
            // counted as inflated, so a header that lies about sizes does not get past the cap
            if (total > limits.maxTotalBytes) stream.destroy(new Error(`more than ${limits.maxTotalBytes} bytes of XML once inflated`));
            else chunks.push(chunk);
          });
          stream.on('error', reject);
          stream.on('end', () => {
            files.set(normalised, Buffer.concat(chunks).toString('utf8'));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  } catch (err) {
    throw refused(`the zip was refused: ${(err as Error).message}`);
  } finally {
    closeQuietly(zip);
  }
  return files;
}

function closeQuietly(zip: yauzl.ZipFile): void {
  try {
    zip.close();
  } catch {
    // already closed: nothing to release
  }
}

const refused = (message: string) => new ImportInvalidError([{ message }]);

/** `href` as written in `fromFile` (relative to that file's folder), as a package path; null when it leaves the package. */
export function resolveHref(fromFile: string, href: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('/')) return null;
  let path: string;
  try {
    path = decodeURI(href.split('#')[0]!);
  } catch {
    return null;
  }
  const joined = posix.normalize(posix.join(posix.dirname(fromFile), path));
  return joined.startsWith('../') || joined === '..' ? null : joined;
}
