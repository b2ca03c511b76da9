/*
   Loupe's own YARA rules for classic ASP web shells (.asp, .asa, .cer, .cdx — all run by asp.dll), written for Loupe
   from the published traits of each family: request input reaching Execute/ExecuteGlobal/Eval (directly or through
   a decoder), WScript.Shell / Shell.Application command execution, FileSystemObject file managers, request bodies
   written to disk, script-encoded (#@~^) or UTF-7 pages, and the script-control trick.
   Write-ups used (cited per rule in `reference`):
   - [NSA-2020] NSA/ASD, "Detect and Prevent Web Shell Malware" (U/OO/134094-20, 2020-04-22)
   - [MS-2020] Microsoft Security blog, "Ghost in the shell: Investigating web shell attacks" (2020-02-04)
   - [FE-2013] FireEye, "Breaking Down the China Chopper Web Shell" parts I and II (2013-08): <%eval request("x")%>
   - [MS-SCRENC] Microsoft, Windows Script Encoder (screnc.exe) documentation: encoded blocks start with #@~^ and end
     with ^#~@; Language="VBScript.Encode"
   - [MS-ASP] Microsoft Docs, ASP @CODEPAGE directive (65000 = UTF-7) and the ScriptControl (msscript.ocx) object model
   License: MIT, like the rest of Loupe.
*/

// Shared co-condition, evaluated once per file: the page reads request input.
private rule Loupe_ASP_Request_Input
{
    strings:
        $r = "request" nocase
    condition:
        $r
}

rule Loupe_ASP_Eval_Request
{
    meta:
        description = "Classic ASP Eval / Execute / ExecuteGlobal of request or session input (China Chopper one-liner and its variants)"
        family = "China Chopper (ASP eval/execute)"
        severity = "critical"
        reference = "FE-2013; NSA-2020"
    strings:
        $e = /[^.\w](eval|execute|executeglobal)[\s(]+(request|session)\b/ nocase
    condition:
        $e
}

rule Loupe_ASP_Execute_Decoded
{
    meta:
        description = "Classic ASP Execute / ExecuteGlobal / Eval statement run on a decoded, decrypted or request-derived string (Chr arithmetic, Xor, unescape, BinaryRead, Session)"
        family = "China Chopper (ASP eval/execute)"
        severity = "critical"
        reference = "NSA-2020; MS-2020; FE-2013"
    strings:
        // The statement form (start of line or block, after ':' or 'then'), never the ADO/Server method `.Execute`.
        $xe = /(then|else|[\r\n:%])[ \t]*(execute|executeglobal)[ \t]*(\(|[a-z_]\w*[ \t]*[(\r\n:%])/ nocase
        // Eval used as a statement (benign VBScript only ever assigns its value).
        $ev = /(then|else|[\r\n:%])[ \t]*eval[ \t]+[a-z_]\w*[ \t]*[(\r\n:%]/ nocase
        $d1 = /chrw?\s*\(\s*[^()\r\n]{0,40}(\([^()\r\n]{0,40}\))?[^()\r\n]{0,20}[-+*\\]\s*\w/ nocase
        $d2 = /\bxor\b/ nocase
        $d3 = "unescape" nocase
        $d4 = "BinaryRead" nocase
        $d5 = "StrReverse" nocase
        // A character-by-character decoding loop (Mid(s, i, 1)).
        $d6 = /\bmid\s*\(\s*\w+\s*,\s*\w+\s*,\s*1\s*\)/ nocase
        // Execute/Eval of a function applied straight to request input (a decoder wrapping the parameter).
        $xe_req = /[^.\w](execute|executeglobal|eval)[ \t(]+[a-z_]\w*[ \t]*\([ \t]*(request|session)\b/ nocase
        // Hex decoding: Chr("&H" & Mid(s, i, 2)) or Chr(CLng("&H" & ...)).
        $hex = /chrw?\s*\(\s*(c(lng|int|byte)\s*\(\s*)?"&h"/ nocase
    condition:
        (($xe and any of ($d*)) or ($ev and (Loupe_ASP_Request_Input or any of ($d*))) or ($xe_req and (any of ($d*) or $hex)))
}

rule Loupe_ASP_Shell_Exec
{
    meta:
        description = "WScript.Shell or Shell.Application (by ProgID or CLSID) made to run a program from ASP server code"
        family = "command shell (WScript.Shell)"
        severity = "critical"
        reference = "NSA-2020; MS-2020"
    strings:
        $ws = /wscript\s*\.\s*shell|shell\s*\.\s*application|72C24DD5-D70A-438B-8A42-98424B88AFB8|13709620-C279-11CE-A49E-444553540000/ nocase
        $run = /\.\s*(exec|run|shellexecute)\s*[\( ]/ nocase
        $srv = "<%"
        $srv2 = /runat\s*=\s*["']?server/ nocase
    condition:
        $ws and $run and ($srv or $srv2)
}

rule Loupe_ASP_FSO_File_Manager
{
    meta:
        description = "Scripting.FileSystemObject file manager: lists drives and folders and deletes, moves, copies or writes files chosen through the request"
        family = "file manager"
        severity = "critical"
        reference = "NSA-2020; MS-2020"
    strings:
        $fso = /Scripting\s*\.\s*FileSystemObject|0D43FE01-F093-11CF-8940-00A0C9054228/ nocase
        $c1 = /\.\s*Drives\b/ nocase
        $c2 = /\.\s*GetFolder\s*\(/ nocase
        $c3 = /\.\s*SubFolders\b/ nocase
        $c4 = /\.\s*Delete(File|Folder)\b/ nocase
        $c5 = /\.\s*(Move|Copy)(File|Folder)\b/ nocase
        $c6 = /\.\s*CreateTextFile\s*\(/ nocase
        $c7 = /\.\s*Attributes\s*=/ nocase
        $c8 = /\.\s*CreateFolder\s*\(/ nocase
        $c9 = /\.\s*GetDrive\s*\(|\.\s*DriveLetter\b/ nocase
    condition:
        $fso and Loupe_ASP_Request_Input and 4 of ($c*)
}

rule Loupe_ASP_Folder_Browser
{
    meta:
        description = "Classic ASP folder browser: FileSystemObject GetFolder of a path taken from the request, listing its sub-folders and files"
        family = "file manager"
        severity = "critical"
        reference = "NSA-2020"
    strings:
        $fso = /Scripting\s*\.\s*FileSystemObject/ nocase
        $get = /\.\s*GetFolder\s*\(/ nocase
        $sub = /\.\s*SubFolders\b/ nocase
        $files = /\.\s*Files\b/ nocase
        $get_req = /\.\s*GetFolder\s*\(\s*request/ nocase
        $root = /["'][a-z]:\\["']/ nocase
        $req = /=\s*request\s*(\.\s*(form|querystring|item))?\s*\(/ nocase
    condition:
        $fso and $get and $sub and $files and ($get_req or ($root and $req))
}

rule Loupe_ASP_Request_To_File
{
    meta:
        description = "Classic ASP page that writes request content into a file whose name also comes from the request (one-form uploaders and droppers)"
        family = "uploader"
        severity = "critical"
        reference = "NSA-2020; MS-2020"
    strings:
        $fso = /Scripting\s*\.\s*FileSystemObject/ nocase
        $create = /\.\s*CreateTextFile\s*\(\s*[a-z_]\w*\s*[,)]/ nocase
        $write_req = /\.\s*write(line)?\s*[\( ][ \t"&]*request\s*(\.\s*(form|querystring|item))?\s*\(/ nocase
        $binread = /request\s*\.\s*BinaryRead/ nocase
        $save = /\.\s*(CreateTextFile|SaveToFile)\s*[\( ]/ nocase
        // The form offers any folder of the disk as the destination (a drive path as the default value).
        $drive_input = /<input[^>]{0,200}value\s*=\s*["']?[a-z]:\\/ nocase
        // The destination is the request's own (SaveToFile Request(...) or Server.MapPath(Request(...))).
        $path_req = /\.\s*(SaveToFile|CreateTextFile)[ \t(]+(Server\s*\.\s*MapPath\s*\(\s*)?request\b/ nocase
    condition:
        (($fso and $create and $write_req) or ($binread and $save and ($drive_input or $path_req)))
}

rule Loupe_ASP_Dropper
{
    meta:
        description = "Classic ASP page that writes a script or program to disk and runs it with WScript.Shell, or fetches code over HTTP and runs it"
        family = "dropper"
        severity = "critical"
        reference = "NSA-2020; MS-2020"
    strings:
        $fso = /Scripting\s*\.\s*FileSystemObject/ nocase
        $create = /\.\s*CreateTextFile\s*\(/ nocase
        $ws = /wscript\s*\.\s*shell/ nocase
        $run = /\.\s*run[ (]/ nocase
        $http = /(Microsoft|MSXML2)\s*\.\s*(Server)?XMLHTTP/ nocase
        $exec = /[\r\n:%]\s*(execute|executeglobal)\s+[a-z_]\w*/ nocase
    condition:
        (($fso and $create and $ws and $run) or ($http and $exec))
}

rule Loupe_ASP_Encoded_Script
{
    meta:
        description = "Script-encoded ASP (Windows Script Encoder #@~^ … ^#~@ block, or a VBScript.Encode / JScript.Encode language directive): hides the code from review; web shells use it, stock Exchange pages never do"
        family = "encoded ASP"
        severity = "high"
        reference = "MS-SCRENC; NSA-2020"
    strings:
        $start = /#@~\^[A-Za-z0-9+\/]{6}==/
        $lang = /<%@[^%]{0,80}language\s*=\s*["']?\s*(VBScript|JScript)\.Encode/ nocase
        $lang2 = /language\s*=\s*["']?(VBScript|JScript)\.Encode["']?[^>]{0,80}runat\s*=\s*["']?server/ nocase
    condition:
        any of them
}

rule Loupe_ASP_UTF7_Codepage
{
    meta:
        description = "Classic ASP page declaring code page 65000 (UTF-7) so its code can be written as +ADw-…- sequences that scanners do not read"
        family = "encoded ASP"
        severity = "high"
        reference = "MS-ASP; NSA-2020"
    strings:
        $cp = /<%@[^%]{0,40}codepage\s*=\s*["']?65000/ nocase
    condition:
        $cp
}

rule Loupe_ASP_ScriptControl
{
    meta:
        description = "MSScriptControl used from ASP to run code handed the Request/Response objects (ExecuteStatement / AddCode / Eval)"
        family = "China Chopper (ASP eval/execute)"
        severity = "critical"
        reference = "MS-ASP; NSA-2020"
    strings:
        $add = /\.\s*AddObject\s*[\( ]/ nocase
        $run = /\.\s*(ExecuteStatement|AddCode)\s*[\( ]/ nocase
    condition:
        $add and $run and Loupe_ASP_Request_Input
}

rule Loupe_Web_Sql_Cmdshell
{
    meta:
        description = "Web page that talks to SQL Server and calls xp_cmdshell or OLE automation (sp_oacreate): command execution through the database"
        family = "SQL manager"
        severity = "critical"
        reference = "NSA-2020; MS-2020"
    strings:
        $conn = /ADODB\s*\.\s*Connection|(Sql|OleDb|Odbc)Connection/ nocase
        $xp1 = "xp_cmdshell" nocase
        $xp2 = "sp_oacreate" nocase
    condition:
        $conn and any of ($xp*)
}
