// Files on the person's computer: reading one they chose, saving text the
// page fetched as a download.

/** A chosen file's text, as UTF-8. */
export function readTextFile(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(new Error('The file could not be read. Choose it again.'));
    reader.readAsText(file, 'utf-8');
  });
}

/** Offers `text` as a download named `name` (the browser saves it as it saves any download). */
export function saveTextFile(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Chromium reads the blob after the click returns; let it finish first.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
