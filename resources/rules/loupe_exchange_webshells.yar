/*
   Loupe's own YARA rules for web shells dropped through the March 2021 Exchange vulnerabilities
   (ProxyLogon / HAFNIUM). Written for Loupe from published descriptions of the shells:
   - Microsoft Security Blog, "HAFNIUM targeting Exchange Servers with 0-day exploits" (2021-03-02)
   - CISA alert AA21-062A and the CHIRP indicator strings
   - Volexity, "Operation Exchange Marauder" (2021-03-02)
   License: MIT, like the rest of Loupe.
*/

rule Loupe_WebShell_ChinaChopper_Eval
{
    meta:
        description = "China Chopper style one-liner: eval() of a request parameter with the 'unsafe' flag (JScript.NET)"
        severity = "critical"
        reference = "Microsoft HAFNIUM blog 2021-03-02; CISA AA21-062A"
    strings:
        $eval_request = /eval\s*\(\s*Request\s*(\.\s*(Item|Form|QueryString|Params))?\s*[\[\(]/ nocase
        $unsafe_dq = "\"unsafe\"" nocase
        $unsafe_sq = "'unsafe'" nocase
    condition:
        filesize < 512KB and $eval_request and ($unsafe_dq or $unsafe_sq)
}

rule Loupe_WebShell_OAB_VirtualDirectory_Dump
{
    meta:
        description = "OAB virtual directory settings written to disk by CVE-2021-27065, with a server-side script injected into ExternalUrl"
        severity = "critical"
        reference = "Volexity Operation Exchange Marauder; Microsoft HAFNIUM blog 2021-03-02"
    strings:
        $external = "ExternalUrl" ascii wide
        $internal = "InternalUrl" ascii wide
        $auth = "InternalAuthenticationMethods" ascii wide
        $epa = "ExtendedProtectionTokenChecking" ascii wide
        $script = /<script[^>]{0,200}runat\s*=\s*["']?server/ nocase
    condition:
        filesize < 50KB and $external and $internal and $auth and $epa and $script
}

rule Loupe_WebShell_ASPX_Command_Exec
{
    meta:
        description = "ASP.NET page that starts cmd.exe or PowerShell with input taken from the request"
        severity = "critical"
        reference = "Microsoft HAFNIUM blog 2021-03-02 (post-exploitation web shells)"
    strings:
        $page = /<%@\s*(Page|WebHandler)/ nocase
        $runat = /runat\s*=\s*["']?server/ nocase
        $start1 = "Process.Start" nocase
        $start2 = "ProcessStartInfo" nocase
        $shell1 = "cmd.exe" nocase
        $shell2 = "powershell" nocase
        $shell3 = "/c " nocase
        $request = /Request\s*(\.\s*(Item|Form|QueryString|Params|Headers))?\s*[\[\(]/ nocase
    condition:
        filesize < 512KB and ($page or $runat) and any of ($start*) and any of ($shell*) and $request
}

rule Loupe_WebShell_ASPX_File_Write
{
    meta:
        description = "ASP.NET page that writes a file whose name or content comes straight from the request"
        severity = "critical"
        reference = "Microsoft HAFNIUM blog 2021-03-02 (file-upload web shells)"
    strings:
        $page = /<%@\s*(Page|WebHandler)/ nocase
        $runat = /runat\s*=\s*["']?server/ nocase
        $write_req = /File\.(WriteAllBytes|WriteAllText|AppendAllText)\s*\([^;]{0,200}Request/ nocase
        $b64_req = /FromBase64String\s*\(\s*Request/ nocase
    condition:
        filesize < 512KB and ($page or $runat) and ($write_req or $b64_req)
}

rule Loupe_Exchange_OAB_ExternalUrl_Script_Injection
{
    meta:
        description = "Set-OabVirtualDirectory ExternalUrl carrying a server-side script (CHIRP string), in any file"
        severity = "critical"
        reference = "CISA CHIRP AA21062A indicator strings"
    strings:
        $cmd = "S:CMD=Set-OabVirtualDirectory.ExternalUrl='" nocase
        $url_script = /ExternalUrl\s*[:=]\s*'{0,2}https?:\/\/[^\s'"]{0,100}\s*<script/ nocase
    condition:
        filesize < 5MB and ($cmd or $url_script)
}

rule Loupe_WebShell_PST_Export_Script
{
    meta:
        description = "Outlook PST file (header !BDN, client magic SM) holding a server-side script in clear: a mailbox exported to an .aspx, the ProxyShell web-shell write (CVE-2021-31207)"
        severity = "critical"
        reference = "Orange Tsai, ProxyShell! (blog.orange.tw, Aug 2021); Huntress ProxyShell response (Aug 2021); [MS-PST] 2.2.2.6 HEADER"
    strings:
        $pst = { 21 42 44 4E }
        $script = /<script[^>]{0,200}runat\s*=\s*["']?server/ nocase
        $page = /<%@\s*(Page|WebHandler)/ nocase
        $inline = /<%\s*(eval|Response\s*\.|Request\s*[\.\[])/ nocase
    condition:
        $pst at 0 and uint16(8) == 0x4D53 and filesize < 64MB and any of ($script, $page, $inline)
}
