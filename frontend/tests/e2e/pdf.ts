/**
 * PDFs for the upload and media journeys, built in the test: 200×200 pages, a correct
 * cross-reference table (the server and pdf.js both read it), optionally a black bar drawn on
 * the first page (what a thumbnail of it must show) and `padding` comment bytes to reach a
 * size (built from Buffers: a 60 MB PDF must not be one string).
 */
export function pdfFile({ pages = 1, drawn = false, padding = 0 }: { pages?: number; drawn?: boolean; padding?: number } = {}): Buffer {
  const drawing = '0 0 0 rg 20 120 160 50 re f\n'
  const firstPage = drawn ? '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>' : '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>'
  const pageObjects = drawn ? [firstPage, `<< /Length ${drawing.length} >>\nstream\n${drawing}endstream`] : [firstPage]
  const more = Array.from({ length: pages - 1 }, () => '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>')
  // Page 1 is object 3; the drawing (if any) is object 4; more pages follow.
  const firstMore = 3 + pageObjects.length
  const kids = ['3 0 R', ...more.map((_, i) => `${firstMore + i} 0 R`)].join(' ')
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`, ...pageObjects, ...more]

  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')]
  if (padding) parts.push(Buffer.concat([Buffer.from('%'), Buffer.alloc(padding, 'x'), Buffer.from('\n')]))
  let length = parts.reduce((sum, part) => sum + part.length, 0)
  const offsets: number[] = []
  objects.forEach((object, i) => {
    offsets.push(length)
    const text = Buffer.from(`${i + 1} 0 obj\n${object}\nendobj\n`, 'latin1')
    parts.push(text)
    length += text.length
  })
  let tail = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  tail += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')
  tail += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`
  parts.push(Buffer.from(tail, 'latin1'))
  return Buffer.concat(parts)
}
