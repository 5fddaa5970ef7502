/**
 * Finds the CJK font the PDF embeds. Chinese text needs one: PDF's standard fonts have no
 * Chinese glyphs and a viewer would show empty boxes (tofu). Debian's fonts-noto-cjk is the
 * default; a configured path wins (`path` or, for a font collection, `path#PostScriptName`).
 */
import fs from 'node:fs'
import path from 'node:path'

export interface PdfFontFace {
  path: string
  /** The face's PostScript name inside a collection (.ttc); unset for a single font. */
  face?: string
}

export interface PdfFonts {
  regular: PdfFontFace
  /** The regular face again when the family has no bold beside it. */
  bold: PdfFontFace
}

/** Where distributions put Noto Sans CJK (Debian/Ubuntu fonts-noto-cjk first). */
export const DEFAULT_FONT_PATHS = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc',
]

export class PdfFontMissingError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PdfFontMissingError'
  }
}

/** Noto's collections hold one face per region; the simplified-Chinese one is `…CJKsc-…`. */
function notoFace(file: string): string | undefined {
  const m = /^Noto(Sans|Serif)CJK-(\w+)\.ttc$/i.exec(path.basename(file))
  return m ? `Noto${m[1]}CJKsc-${m[2]}` : undefined
}

function face(spec: string): PdfFontFace {
  const hash = spec.lastIndexOf('#')
  const file = hash > 0 ? spec.slice(0, hash) : spec
  const named = hash > 0 ? spec.slice(hash + 1) : undefined
  if (!/\.tt[cf]$|\.otf$/i.test(file)) throw new PdfFontMissingError(`the PDF font must be a .ttf, .otf or .ttc file; got "${file}"`)
  const isCollection = /\.ttc$/i.test(file)
  const faceName = named ?? (isCollection ? notoFace(file) : undefined)
  if (isCollection && !faceName) throw new PdfFontMissingError(`"${file}" is a font collection: name the face as "${file}#PostScriptName"`)
  return faceName ? { path: file, face: faceName } : { path: file }
}

/**
 * The regular and bold faces: `configured` (a path, or `path#face`) or the first default that
 * exists; bold is the sibling file named …Bold… when there is one.
 */
export function resolvePdfFonts(configured?: string, exists: (p: string) => boolean = fs.existsSync): PdfFonts {
  let regular: PdfFontFace
  if (configured) {
    regular = face(configured)
    if (!exists(regular.path)) throw new PdfFontMissingError(`the configured PDF font "${regular.path}" does not exist`)
  } else {
    const found = DEFAULT_FONT_PATHS.find((p) => exists(p))
    if (!found)
      throw new PdfFontMissingError(
        `no CJK font for the PDF: none of ${DEFAULT_FONT_PATHS.join(', ')} exists; install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk) or configure a .ttf/.otf/.ttc with Chinese glyphs`,
      )
    regular = face(found)
  }
  const boldPath = regular.path.replace(/Regular(?=[^/]*$)/, 'Bold')
  const bold = boldPath !== regular.path && exists(boldPath) ? { path: boldPath, ...(regular.face ? { face: regular.face.replace(/Regular$/, 'Bold') } : {}) } : regular
  return { regular, bold }
}
