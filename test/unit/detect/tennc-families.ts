// The hand classification of the tennc shells (../shared/data/webshells/tennc, MIT) by family, from each family's
// published traits; shared by the recall test and the mutation test.
import fs from 'node:fs';
import path from 'node:path';

/** Family of each tennc file (by its published traits), or 'not a shell'. */
export const FAMILY: Array<[RegExp, string]> = [
  [/^asp\/(RemExp|cpanel|klasvayv|xx|Server Variables)\.asp$|^web-malware-collection-13-06-2012\/ASP\/Server Variables\.asp$/, 'not a shell'],
  [/^caidao-shell\/redirect\.asp$/, 'open HTTP proxy (not counted)'],
  [/^(Behinder|Godzilla)\/.*\.as[pmh]x$|^aspx\/AspxSpy2014Final\.aspx$/, 'reflective loader'],
  [/(xslt|\/a1?)\.(aspx|asp)$/, 'XSLT script'],
  [/(editor|abcd|wooyun2015052301|ice)\.aspx$|^caidao-shell\/w0[123]\.asp$|^asp\/bypass_safedog_0[12]\.asp$|cutstomize\.asp$/, 'JScript eval'],
  [/(ASPXspy2|111|icesword|aspx|aspxspy|1|11|01|ASP\.NET Web BackDoor|2013110125222650|con2|wso|view|devilzShell|devshell|customize)\.as[pmh]x$/, 'all-in-one (file manager, command, SQL)'],
  [/(cmd|cmdasp|cmdexec|a3|as|antak)\.as[ph]x$/, 'command shell'],
  [/(filesystembrowser|fileupload)\.aspx$/, 'file manager / uploader'],
  [/(sql|spexec|tuo)\.aspx$/, 'SQL manager'],
  [/\.as[pmh]x$/, 'other ASP.NET'],
  [/^(asp\/(1d|404|CyberSpy5|EFSO_2|Inderxer|Rader|ice|mumaasp\.com|vbencode-bypass|utf7-bypass)|asp\/ajs\/shell|Backdoor Dev Shells\/devshell)\.[Aa]sp$/, 'encoded classic ASP'],
  [/(cmd|cmd-asp-5\.1|cmdasp|webshell|Ajan|ajn)\.asp$/, 'classic command shell / dropper'],
  [/(up|list|shell|RemExp|aspydrv|good_1|zehir4?|elmaliseker|ELMALISEKER Backd00r|ntdaddy|tool|grasp|DarkBlade1\.5|devilzShell|2013110125027897|con2|shell_decoded|MSSQL|radhat|1)\.asp$/, 'classic file manager / all-in-one'],
  [/\.(asp|asa|cer|cdx)$/i, 'classic eval / execute one-liner'],
];

export const familyOf = (rel: string): string => FAMILY.find(([re]) => re.test(rel))?.[1] ?? 'unclassified';
export const isAspNet = (rel: string): boolean => /\.as[pmhc]x$/i.test(rel);

/** Files of the set that are not server-side shells, or not counted as one. */
export const NOT_COUNTED = ['not a shell', 'open HTTP proxy (not counted)'];

/** Every file under a folder, as POSIX paths relative to `base`. */
export function listAll(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? listAll(path.join(dir, e.name), base)
    : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')]);
}
