/*
   Loupe's own YARA rules for ASP.NET web shells (.aspx, .ashx, .asmx, .ascx), written for Loupe from the published
   traits of each family. They look for behaviour (request input reaching eval, a compiler, Process, Assembly.Load,
   the file system, SQL or a socket) rather than for strings of one sample, so new variants are caught too.
   Write-ups used (cited per rule in `reference`):
   - [MS-2020] Microsoft Security blog, "Ghost in the shell: Investigating web shell attacks" (2020-02-04)
   - [MS-2021] Microsoft Security blog, "Web shell attacks continue to rise" (2021-02-11)
   - [NSA-2020] NSA/ASD, "Detect and Prevent Web Shell Malware" (U/OO/134094-20, 2020-04-22)
   - [FE-2013] FireEye, "Breaking Down the China Chopper Web Shell" parts I and II (2013-08)
   - [HAFNIUM] Microsoft, "HAFNIUM targeting Exchange Servers with 0-day exploits" (2021-03-02); CISA AA21-062A
   - [ESET-2021] ESET, "Exchange servers under siege from at least 10 APT groups" (2021-03-10: China Chopper, ASPXSpy)
   - [U42-2021] Palo Alto Unit 42, "Targeted attack campaign against ManageEngine ADSelfService Plus delivers Godzilla
     webshells" (2021-11-07: AES-decrypted request bytes loaded with Assembly.Load)
   - [BEHINDER] Behinder (Rebeyond) analyses, e.g. NSFOCUS/Qi An Xin write-ups (2020): AES key in Session, request body
     decrypted and passed to Assembly.Load(...).CreateInstance
   - [REGEORG] SensePost, "reGeorg" (2014) and Tunna (SECFORCE, 2014): HTTP-to-socket tunnels driven by a request
     header or parameter (CONNECT / FORWARD / READ / DISCONNECT)
   - [MS-XSLT] Microsoft Docs, "XSLT Security Considerations" (XsltSettings.EnableScript / TrustedXslt run msxsl:script code)
   License: MIT, like the rest of Loupe.
*/


// Shared co-conditions, evaluated once per file: the page reads request input, or the value of a form control.
private rule Loupe_AspNet_Request_Input
{
    strings:
        $r = "Request" ascii nocase
    condition:
        $r
}

private rule Loupe_AspNet_Control_Input
{
    strings:
        // Text strings (settled by the triage without libyara); any case, for VB.NET pages.
        $a = ".text" ascii nocase
        $b = ".value" ascii nocase
        // A server-side text box: the page takes typed input (however its .Text is spelled).
        $c = "<asp:TextBox" ascii nocase
    condition:
        any of them
}

rule Loupe_AspNet_JScript_Eval
{
    meta:
        description = "JScript.NET eval of request input: the China Chopper one-liner and its variants (two-argument eval(x, \"unsafe\"), eval of a variable, split or escaped strings, comments between tokens)"
        family = "China Chopper (JScript eval)"
        severity = "critical"
        reference = "FE-2013; HAFNIUM; NSA-2020"
    strings:
        // eval with a second (security) argument exists only in JScript.NET: eval(code, "unsafe").
        $eval2 = /[^.\w$]eval\s*(\/\*([^*]|\*[^\/]){0,80}\*\/\s*)*\(\s*(\/\*([^*]|\*[^\/]){0,80}\*\/\s*)*[A-Za-z_$][\w$.]{0,60}(\s*\[[^\]\r\n]{0,80}\])?\s*(\/\*([^*]|\*[^\/]){0,80}\*\/\s*)*,/
        $eval1 = /\beval\s*(\/\*([^*]|\*[^\/]){0,80}\*\/\s*)*\(/
        $alias = /[:=,(\[]\s*eval\s*[,;}\)\]]/
        // Server-side JScript: a page directive, a runat=server script block, or an XSLT msxsl:script block.
        $lang_dir = /<%@[^%]{0,80}Language\s*=\s*["']?\s*J(ava)?Script/ nocase
        $lang_tag1 = /<script[^>]{0,100}runat\s*=\s*["']?server[^>]{0,100}language\s*=\s*["']?J(ava)?Script/ nocase
        $lang_tag2 = /<script[^>]{0,100}language\s*=\s*["']?J(ava)?Script[^>]{0,100}runat\s*=\s*["']?server/ nocase
        $lang_xsl = /msxsl:script[^>]{0,100}language\s*=\s*["']{1,2}J(ava)?Script/ nocase
        $unsafe = /["']unsafe["']/ nocase
    condition:
        ($eval2 or ((any of ($lang*)) and ($eval1 or $alias) and (Loupe_AspNet_Request_Input or $unsafe)))
}

rule Loupe_AspNet_Reflective_Loader
{
    meta:
        description = "Request bytes decoded or decrypted and loaded as a .NET assembly in memory (Behinder, Godzilla, AspxSpy 2014 loaders)"
        family = "Behinder / Godzilla (in-memory assembly loader)"
        severity = "critical"
        reference = "BEHINDER; U42-2021; MS-2021"
    strings:
        $load1 = /Assembly\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Load\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $load2 = /GetMethod\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*"Load"/ nocase
        $load3 = /\.\s*(\/\*[^*]*\*\/\s*)*Load\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(System\.)?Convert\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*FromBase64String/ nocase
        $run1 = /\.\s*(\/\*[^*]*\*\/\s*)*CreateInstance\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $run2 = /\.\s*(\/\*[^*]*\*\/\s*)*Invoke\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $run3 = "EntryPoint" nocase
        $src1 = "CreateDecryptor" nocase
        $src2 = "TransformFinalBlock" nocase
        $src3 = /Request\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(BinaryRead|InputStream)/ nocase
    condition:
        any of ($load*) and any of ($run*) and any of ($src*) and Loupe_AspNet_Request_Input
}

rule Loupe_AspNet_Command_Shell
{
    meta:
        description = "ASP.NET page that starts a command interpreter, or a program whose name comes from the request or a form control, or feeds its stdin"
        family = "command shell (Process)"
        severity = "critical"
        reference = "MS-2020; NSA-2020; HAFNIUM (post-exploitation web shells)"
    strings:
        $p1 = /Process\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Start\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $p2 = /ProcessStartInfo\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $p3 = /StartInfo\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*FileName/ nocase
        $p4 = /RunspaceFactory\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*CreateRunspace|\.\s*(\/\*[^*]*\*\/\s*)*AddScript\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $sh1 = /["']\s*(\/\*[^*]*\*\/\s*)*cmd(\.exe)?\s*(\/\*[^*]*\*\/\s*)*["']/ nocase
        $sh2 = /cmd(\.exe)?["']?\s*(\/\*[^*]*\*\/\s*)*,?\s*(\/\*[^*]*\*\/\s*)*["']?\s*(\/\*[^*]*\*\/\s*)*\/[ck]\s/ nocase
        $sh3 = /["'][^"'\r\n]{0,60}(powershell|pwsh)(\.exe)?["' ]/ nocase
        $sh4 = /Arguments\s*(\/\*[^*]*\*\/\s*)*=\s*(\/\*[^*]*\*\/\s*)*["']\s*(\/\*[^*]*\*\/\s*)*\/[ck]\s/ nocase
        $in1 = /FileName\s*(\/\*[^*]*\*\/\s*)*=\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\b)/ nocase
        $in2 = /ProcessStartInfo\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\b)/ nocase
        $in3 = /Process\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Start\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\s*(\/\*[^*]*\*\/\s*)*[,)])/ nocase
        $stdin = /StandardInput\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Write(Line)?\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $script = /\.\s*(\/\*[^*]*\*\/\s*)*AddScript\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\b)/ nocase
    condition:
        any of ($p*) and (any of ($sh*) or any of ($in*) or $stdin or $script) and (Loupe_AspNet_Request_Input or Loupe_AspNet_Control_Input)
}

rule Loupe_AspNet_File_Manager
{
    meta:
        description = "ASP.NET file manager: enumerates drives or folders and deletes, moves, writes, time-stomps or downloads files chosen through the request (ASPXSpy-style tools and small file browsers)"
        family = "file manager"
        severity = "critical"
        reference = "MS-2020; NSA-2020; ESET-2021 (ASPXSpy)"
    strings:
        $drives = /DriveInfo\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*GetDrives|GetLogicalDrives\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $list = /\.\s*(\/\*[^*]*\*\/\s*)*Get(Directories|Files|FileSystemInfos|FileSystemEntries)\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $del = /(File|Directory)\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Delete\s*(\/\*[^*]*\*\/\s*)*\(|\.\s*(\/\*[^*]*\*\/\s*)*Delete\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(true)?\s*(\/\*[^*]*\*\/\s*)*\)/ nocase
        $move = /(File|Directory)\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(Move|Copy)\s*(\/\*[^*]*\*\/\s*)*\(|\.\s*(\/\*[^*]*\*\/\s*)*(MoveTo|CopyTo)\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $time = /(File|Directory)\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Set(CreationTime|LastWriteTime|LastAccessTime)|\.\s*(\/\*[^*]*\*\/\s*)*(CreationTime|LastWriteTime|LastAccessTime)\s*(\/\*[^*]*\*\/\s*)*=[^=]/ nocase
        $attr = /File\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*SetAttributes\s*(\/\*[^*]*\*\/\s*)*\(|\.\s*(\/\*[^*]*\*\/\s*)*Attributes\s*(\/\*[^*]*\*\/\s*)*=[^=]/ nocase
        $dl = /Response\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(WriteFile|TransmitFile)\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $write = /File\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(WriteAll(Text|Bytes|Lines)|AppendAllText|Create|CreateText|OpenWrite)\s*(\/\*[^*]*\*\/\s*)*\(|new\s+(System\.IO\.)?StreamWriter\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $save = /\.\s*(\/\*[^*]*\*\/\s*)*SaveAs\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $mkdir = /Directory\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*CreateDirectory\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
    condition:
        (Loupe_AspNet_Request_Input or Loupe_AspNet_Control_Input) and 5 of ($drives, $list, $del, $move, $time, $attr, $dl, $write, $save, $mkdir)
        and ($drives or $time or $attr)
}

rule Loupe_AspNet_File_Browser_Download
{
    meta:
        description = "ASP.NET page that lists any folder and sends back any file named in the request"
        family = "file manager"
        severity = "critical"
        reference = "NSA-2020; MS-2020"
    strings:
        $dl = /Response\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(WriteFile|TransmitFile)\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]\w{0,40}\s*(\/\*[^*]*\*\/\s*)*\))/ nocase
        $dl_req = /Response\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(WriteFile|TransmitFile)\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*Request/ nocase
        $list = /\.\s*(\/\*[^*]*\*\/\s*)*Get(Directories|Files)\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $dir_req = /DirectoryInfo\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]\w{0,40}\s*(\/\*[^*]*\*\/\s*)*\))/ nocase
    condition:
        Loupe_AspNet_Request_Input and $list and $dir_req and ($dl or $dl_req)
}

rule Loupe_AspNet_File_Upload_Writer
{
    meta:
        description = "ASP.NET page that saves an uploaded file or request text to a path taken from the request or a form control, or next to itself under the client's file name"
        family = "uploader"
        severity = "critical"
        reference = "HAFNIUM (file-upload web shells); MS-2020"
    strings:
        $save_in = /\.\s*(\/\*[^*]*\*\/\s*)*SaveAs\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\b|Path\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Combine\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\b|Server\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*MapPath\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*Request)/ nocase
        $write_in = /File\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(WriteAll(Text|Bytes)|AppendAllText)\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\b|Server\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*MapPath\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*Request)/ nocase
        $write_req = /File\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*WriteAll(Text|Bytes)\s*(\/\*[^*]*\*\/\s*)*\([^;]{0,200}Request\s*(\/\*[^*]*\*\/\s*)*(\.\s*(\/\*[^*]*\*\/\s*)*(Form|QueryString|Item|Params|Files|BinaryRead|InputStream))?\s*(\/\*[^*]*\*\/\s*)*[\[\(.]/ nocase
        $stream_in = /new\s+(System\.IO\.)?(StreamWriter|FileStream)\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\b|Server\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*MapPath\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*Request)/ nocase
        $b64_req = /FromBase64String\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*Request/ nocase
        $self_dir = /Request\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*PhysicalPath|MapPath\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*["']\.{1,2}\/?["']\s*(\/\*[^*]*\*\/\s*)*\)/ nocase
        $client_name = /\.\s*(\/\*[^*]*\*\/\s*)*FileName\b/ nocase
        $posted = /PostedFile|Request\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Files\s*(\/\*[^*]*\*\/\s*)*\[/ nocase
    condition:
        (any of ($save_in, $write_in, $write_req, $stream_in, $b64_req) or ($posted and $self_dir and $client_name))
}

rule Loupe_AspNet_Sql_Manager
{
    meta:
        description = "SQL client whose connection string and query come from the request or form controls, or that calls xp_cmdshell / OLE automation (web SQL managers and database dumpers)"
        family = "SQL manager"
        severity = "critical"
        reference = "NSA-2020; MS-2020"
    strings:
        $obj = /(Sql|OleDb|Odbc)(Connection|Command|DataAdapter)\b|ADODB\.Connection/ nocase
        $conn_in = /((Sql|OleDb|Odbc)Connection\s*(\/\*[^*]*\*\/\s*)*\(|ConnectionString\s*(\/\*[^*]*\*\/\s*)*=)\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\b)/ nocase
        $conn_cat = /["'][^"'\r\n]{0,80}(server|data source|uid|user id|pwd|password)\s*(\/\*[^*]*\*\/\s*)*=\s*(\/\*[^*]*\*\/\s*)*["']\s*(\/\*[^*]*\*\/\s*)*\+/ nocase
        $cmd_in = /((Sql|OleDb|Odbc)(Command|DataAdapter)\s*(\/\*[^*]*\*\/\s*)*\(|CommandText\s*(\/\*[^*]*\*\/\s*)*=)\s*(\/\*[^*]*\*\/\s*)*(Request\b|[A-Za-z_]([\w.\s]|\/\*[^*]*\*\/){0,60}\.\s*(\/\*[^*]*\*\/\s*)*(Text|Value)\b)/ nocase
        // A query whose table (or more) is concatenated in: a literal ending in "from " followed by + (the "select" may be split off).
        $sql_cat = /\bfrom\s*["']\s*(\/\*[^*]*\*\/\s*)*\+/ nocase
        $xp1 = "xp_cmdshell" nocase
        $xp2 = "sp_oacreate" nocase
        $xp3 = "sp_makewebtask" nocase
        $xp4 = "xp_regwrite" nocase
    condition:
        $obj and ((($conn_in or $conn_cat) and ($cmd_in or $sql_cat)) or any of ($xp*))
}

rule Loupe_AspNet_Socket_Tunnel
{
    meta:
        description = "HTTP-to-TCP tunnel (reGeorg, Neo-reGeorg, Tunna style) or raw-socket sniffer in a web page"
        family = "tunnel (reGeorg / Tunna)"
        severity = "critical"
        reference = "REGEORG; MS-2020; NSA-2020"
    strings:
        $sock = /new\s+(System\.Net\.Sockets\.)?(Socket|TcpClient)\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $connect = /\.\s*(\/\*[^*]*\*\/\s*)*Connect\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $in1 = /Request\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(InputStream|BinaryRead)/ nocase
        $in2 = /Request\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Headers\s*(\/\*[^*]*\*\/\s*)*(\[|\.\s*(\/\*[^*]*\*\/\s*)*Get\s*(\/\*[^*]*\*\/\s*)*\()/ nocase
        $out = /Response\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(BinaryWrite|OutputStream)/ nocase
        $sess = /Session\s*(\/\*[^*]*\*\/\s*)*\[\s*(\/\*[^*]*\*\/\s*)*["'][^"'\r\n]{1,40}["']\s*(\/\*[^*]*\*\/\s*)*\]\s*(\/\*[^*]*\*\/\s*)*=\s*(\/\*[^*]*\*\/\s*)*[A-Za-z_]\w*\s*(\/\*[^*]*\*\/\s*)*;/ nocase
        $raw1 = "SocketType.Raw" nocase
        $raw2 = /\.\s*(\/\*[^*]*\*\/\s*)*IOControl\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
    condition:
        (($sock and $connect and ($in1 or $in2) and ($out or $sess)) or ($raw1 and $raw2))
}

rule Loupe_AspNet_Xslt_Script
{
    meta:
        description = "XSLT transform with embedded script enabled in a server page (msxsl:script runs as server code)"
        family = "XSLT script shell"
        severity = "critical"
        reference = "MS-XSLT; NSA-2020"
    strings:
        $script = "msxsl:script" nocase
        $xsl1 = "XslCompiledTransform" nocase
        $xsl2 = "XslTransform" nocase
        $xsl3 = /TransformNode(ToObject)?\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $trust1 = /XsltSettings\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*TrustedXslt/ nocase
        $trust2 = /EnableScript\s*(\/\*[^*]*\*\/\s*)*=\s*(\/\*[^*]*\*\/\s*)*true/ nocase
        $trust3 = /XsltSettings\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*(true|false)\s*(\/\*[^*]*\*\/\s*)*,\s*(\/\*[^*]*\*\/\s*)*true\s*(\/\*[^*]*\*\/\s*)*\)/ nocase
        $code1 = /ActiveXObject|wscript\.shell|System\.Diagnostics|Process\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Start|\beval\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
    condition:
        $script and any of ($xsl*) and (any of ($trust*) or $code1)
}

rule Loupe_AspNet_MultiTool
{
    meta:
        description = "All-in-one web shell (ASPXSpy-style): several of command execution, port scanning, registry, account, IIS, process and service control in one page"
        family = "ASPXSpy-style multi-tool"
        severity = "critical"
        reference = "ESET-2021 (ASPXSpy); MS-2020"
    strings:
        $exec = /ProcessStartInfo|Process\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*Start|WScript\.Shell/ nocase
        $scan = /new\s+(System\.Net\.Sockets\.)?TcpClient\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $reg = /Registry\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*(LocalMachine|Users|CurrentUser)|RegistryKey/ nocase
        $acct = /WinNT:\/\/|DirectoryEntry\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $iis = /IIS:\/\/localhost/ nocase
        $proc = /Process\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*GetProcesses\s*(\/\*[^*]*\*\/\s*)*\(|\.\s*(\/\*[^*]*\*\/\s*)*Kill\s*(\/\*[^*]*\*\/\s*)*\(\s*(\/\*[^*]*\*\/\s*)*\)/ nocase
        $svc = /ServiceController/ nocase
        $sql = /xp_cmdshell|(Sql|OleDb)Connection/ nocase
        $fs = /DriveInfo|GetLogicalDrives/ nocase
    condition:
        4 of them
}

rule Loupe_AspNet_Com_Shell
{
    meta:
        description = "WScript.Shell or Shell.Application created from server code (ASP.NET or XSLT script) and made to run a command"
        family = "command shell (WScript.Shell)"
        severity = "critical"
        reference = "NSA-2020; MS-2020"
    strings:
        $ws = /wscript\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*shell|shell\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*application|72C24DD5-D70A-438B-8A42-98424B88AFB8|13709620-C279-11CE-A49E-444553540000/ nocase
        $obj = /ActiveXObject|Server\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*CreateObject|Type\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*GetTypeFromProgID|Activator\s*(\/\*[^*]*\*\/\s*)*\.\s*(\/\*[^*]*\*\/\s*)*CreateInstance/ nocase
        $run = /\.\s*(\/\*[^*]*\*\/\s*)*(exec|run|shellexecute)\s*(\/\*[^*]*\*\/\s*)*\(/ nocase
        $cmd = /cmd(\.exe)?["']?\s*(\/\*[^*]*\*\/\s*)*\+?\s*(\/\*[^*]*\*\/\s*)*["']?\s*(\/\*[^*]*\*\/\s*)*\/[ck]/ nocase
    condition:
        $ws and $obj and $run and (Loupe_AspNet_Request_Input or $cmd)
}
