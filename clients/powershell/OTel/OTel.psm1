# OTel.psm1: OpenTelemetry traces and logs for PowerShell scripts, sent to an OTLP/HTTP JSON
# endpoint (otter, or any OpenTelemetry Collector). No SDK exists for PowerShell; this module
# implements what scripts need: W3C trace context, nested spans, typed attributes, exception
# events, batching, retries, and log records that carry the trace context.
# Runs on Windows PowerShell 5.1 and PowerShell 7 (no 7-only syntax). Exporting never throws
# into the calling script: failures become warnings and $script:OTelState.LastError.

Set-StrictMode -Version 2.0

$script:SpanKinds = @{ Unspecified = 0; Internal = 1; Server = 2; Client = 3; Producer = 4; Consumer = 5 }
$script:StatusCodes = @{ Unset = 0; Ok = 1; Error = 2 }
$script:Severities = [ordered]@{ Trace = 1; Debug = 5; Info = 9; Warn = 13; Error = 17; Fatal = 21 }
$script:ModuleVersion = '0.1.0'

# ---- configuration ---------------------------------------------------------------------------------

function ConvertFrom-OTelKeyValueList {
    # "k1=v1,k2=v2" with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS).
    param([string]$Text)
    $result = [ordered]@{}
    if (-not $Text) { return $result }
    foreach ($item in $Text.Split(',')) {
        $eq = $item.IndexOf('=')
        if ($eq -lt 1) { continue }
        $key = $item.Substring(0, $eq).Trim()
        if (-not $key) { continue }
        $result[$key] = [System.Uri]::UnescapeDataString($item.Substring($eq + 1).Trim())
    }
    return $result
}

function Get-OTelSignalUrl {
    param([string]$Signal, [string]$Base, [string]$Specific)
    if ($Specific) { return $Specific }
    return $Base.TrimEnd('/') + '/v1/' + $Signal
}

function Initialize-OTel {
    <#
    .SYNOPSIS
    Sets where and how the module exports. Called on import with the OTEL_* environment
    variables; call it again to override any of them.
    #>
    [CmdletBinding()]
    param(
        [string]$Endpoint,
        [string]$ServiceName,
        [System.Collections.IDictionary]$ResourceAttributes,
        [System.Collections.IDictionary]$Headers,
        [int]$BatchSize = 64,
        [int]$TimeoutSec = 10,
        [int]$MaxRetries = 3
    )
    if (-not $Endpoint) { $Endpoint = $env:OTEL_EXPORTER_OTLP_ENDPOINT }
    if (-not $Endpoint) { $Endpoint = 'http://localhost:4318' }
    $resource = ConvertFrom-OTelKeyValueList $env:OTEL_RESOURCE_ATTRIBUTES
    if ($ResourceAttributes) { foreach ($k in $ResourceAttributes.Keys) { $resource[$k] = $ResourceAttributes[$k] } }
    if (-not $ServiceName) { $ServiceName = $env:OTEL_SERVICE_NAME }
    if (-not $ServiceName -and $resource.Contains('service.name')) { $ServiceName = [string]$resource['service.name'] }
    if (-not $ServiceName) { $ServiceName = 'unknown_service:powershell' }
    $attrs = [ordered]@{ 'service.name' = $ServiceName }
    foreach ($k in $resource.Keys) { if ($k -ne 'service.name') { $attrs[$k] = $resource[$k] } }
    if (-not $attrs.Contains('telemetry.sdk.name')) { $attrs['telemetry.sdk.name'] = 'otter-powershell' }
    if (-not $attrs.Contains('telemetry.sdk.language')) { $attrs['telemetry.sdk.language'] = 'powershell' }
    if (-not $attrs.Contains('telemetry.sdk.version')) { $attrs['telemetry.sdk.version'] = $script:ModuleVersion }
    $allHeaders = ConvertFrom-OTelKeyValueList $env:OTEL_EXPORTER_OTLP_HEADERS
    if ($Headers) { foreach ($k in $Headers.Keys) { $allHeaders[$k] = [string]$Headers[$k] } }
    if (-not $PSBoundParameters.ContainsKey('TimeoutSec') -and $env:OTEL_EXPORTER_OTLP_TIMEOUT) {
        $ms = 0
        if ([int]::TryParse($env:OTEL_EXPORTER_OTLP_TIMEOUT, [ref]$ms) -and $ms -gt 0) {
            $TimeoutSec = [Math]::Max(1, [int][Math]::Ceiling($ms / 1000.0))
        }
    }
    $script:OTelConfig = @{
        TracesUrl  = Get-OTelSignalUrl 'traces' $Endpoint $env:OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
        LogsUrl    = Get-OTelSignalUrl 'logs' $Endpoint $env:OTEL_EXPORTER_OTLP_LOGS_ENDPOINT
        Resource   = $attrs
        Headers    = $allHeaders
        BatchSize  = $BatchSize
        TimeoutSec = $TimeoutSec
        MaxRetries = $MaxRetries
    }
}

# ---- clock and ids (replaceable for tests: Set-OTelTestHook) ---------------------------------------

# Nanoseconds since the Unix epoch: the wall clock read once, then advanced by the Stopwatch
# (monotonic, sub-microsecond), so spans have real ns precision and never run backwards.
$script:ClockBaseUnixNano = ([DateTimeOffset]::UtcNow.UtcTicks - 621355968000000000) * 100
$script:ClockBaseTimestamp = [System.Diagnostics.Stopwatch]::GetTimestamp()

function Get-OTelRealUnixNano {
    $delta = [System.Diagnostics.Stopwatch]::GetTimestamp() - $script:ClockBaseTimestamp
    return [long]($script:ClockBaseUnixNano + [long]([double]$delta * 1e9 / [System.Diagnostics.Stopwatch]::Frequency))
}

$script:Rng = [System.Security.Cryptography.RandomNumberGenerator]::Create()
function Get-OTelRealRandomBytes {
    param([int]$Count)
    $bytes = New-Object byte[] $Count
    $script:Rng.GetBytes($bytes)
    return , $bytes
}

$script:NowUnixNano = { Get-OTelRealUnixNano }
$script:RandomBytes = { param($Count) Get-OTelRealRandomBytes $Count }

function Set-OTelTestHook {
    <#
    .SYNOPSIS
    Replaces the clock and the random source (for golden tests); -Reset restores the real ones.
    #>
    [CmdletBinding()]
    param([scriptblock]$NowUnixNano, [scriptblock]$RandomBytes, [switch]$Reset)
    if ($Reset) {
        $script:NowUnixNano = { Get-OTelRealUnixNano }
        $script:RandomBytes = { param($Count) Get-OTelRealRandomBytes $Count }
        return
    }
    if ($NowUnixNano) { $script:NowUnixNano = $NowUnixNano }
    if ($RandomBytes) { $script:RandomBytes = $RandomBytes }
}

function ConvertTo-OTelHex {
    param([byte[]]$Bytes)
    $sb = New-Object System.Text.StringBuilder ($Bytes.Length * 2)
    foreach ($b in $Bytes) { [void]$sb.Append($b.ToString('x2')) }
    return $sb.ToString()
}

function New-OTelRandomHex {
    param([int]$Count)
    while ($true) {
        $bytes = [byte[]](& $script:RandomBytes $Count)
        $hex = ConvertTo-OTelHex $bytes
        if ($hex -match '[1-9a-f]') { return $hex }  # an all-zero id means "absent"
    }
}

function New-TraceId {
    <# .SYNOPSIS 32 lowercase hex characters (16 random bytes), never all-zero. #>
    return New-OTelRandomHex 16
}

function New-SpanId {
    <# .SYNOPSIS 16 lowercase hex characters (8 random bytes), never all-zero. #>
    return New-OTelRandomHex 8
}

# ---- spans ----------------------------------------------------------------------------------------

$script:SpanStack = New-Object System.Collections.ArrayList
$script:SpanQueue = New-Object System.Collections.ArrayList
$script:LogQueue = New-Object System.Collections.ArrayList
$script:OTelState = @{ LastError = $null; Sent = 0; Dropped = 0 }

function ConvertFrom-OTelTraceParent {
    param([string]$TraceParent)
    if (-not $TraceParent) { return $null }
    $m = [regex]::Match($TraceParent.Trim(), '^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$')
    if (-not $m.Success) { return $null }
    $version = $m.Groups[1].Value
    if ($version -eq 'ff') { return $null }
    if ($version -eq '00' -and $m.Groups[5].Success) { return $null }
    if ($m.Groups[2].Value -notmatch '[1-9a-f]' -or $m.Groups[3].Value -notmatch '[1-9a-f]') { return $null }
    return @{ TraceId = $m.Groups[2].Value; SpanId = $m.Groups[3].Value; Flags = [Convert]::ToInt32($m.Groups[4].Value, 16) }
}

function Get-OTelCurrentSpan {
    if ($script:SpanStack.Count -eq 0) { return $null }
    return $script:SpanStack[$script:SpanStack.Count - 1]
}

function Start-OTelSpan {
    <#
    .SYNOPSIS
    Starts a span and makes it current. The parent is -Parent, else -TraceParent, else the
    current span, else $env:TRACEPARENT (set by `otter span`), else a new trace begins.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$Name,
        [ValidateSet('Internal', 'Server', 'Client', 'Producer', 'Consumer')][string]$Kind = 'Internal',
        [System.Collections.IDictionary]$Attributes,
        [object]$Parent,
        [string]$TraceParent,
        [switch]$NoPush
    )
    $context = $null
    $remote = $false  # the parent lives in another process (a traceparent)
    if ($Parent) {
        $flags = 1
        if ($null -ne $Parent.TraceFlags) { $flags = $Parent.TraceFlags }
        $context = @{ TraceId = $Parent.TraceId; SpanId = $Parent.SpanId; Flags = $flags }
    } elseif ($TraceParent) {
        $context = ConvertFrom-OTelTraceParent $TraceParent
        if (-not $context) { Write-Warning "Start-OTelSpan: ignoring malformed traceparent '$TraceParent'" }
        $remote = [bool]$context
    } else {
        $current = Get-OTelCurrentSpan
        if ($current) {
            $context = @{ TraceId = $current.TraceId; SpanId = $current.SpanId; Flags = $current.TraceFlags }
        } else {
            $context = ConvertFrom-OTelTraceParent $env:TRACEPARENT
            $remote = [bool]$context
        }
    }
    $attrs = [ordered]@{}
    if ($Attributes) { foreach ($k in $Attributes.Keys) { $attrs[[string]$k] = $Attributes[$k] } }
    $span = [pscustomobject]@{
        TraceId           = $(if ($context) { $context.TraceId } else { New-TraceId })
        SpanId            = New-SpanId
        ParentSpanId      = $(if ($context) { $context.SpanId } else { '' })
        TraceFlags        = $(if ($context) { $context.Flags } else { 1 })
        Name              = $Name
        Kind              = $Kind
        StartTimeUnixNano = [long](& $script:NowUnixNano)
        EndTimeUnixNano   = [long]0
        Attributes        = $attrs
        Events            = New-Object System.Collections.ArrayList
        Status            = 'Unset'
        StatusMessage     = ''
        Remote            = $remote
    }
    if (-not $NoPush) { [void]$script:SpanStack.Add($span) }
    return $span
}

function Add-OTelSpanEvent {
    param([Parameter(Mandatory = $true)][object]$Span, [Parameter(Mandatory = $true)][string]$Name,
          [System.Collections.IDictionary]$Attributes)
    $attrs = [ordered]@{}
    if ($Attributes) { foreach ($k in $Attributes.Keys) { $attrs[[string]$k] = $Attributes[$k] } }
    [void]$Span.Events.Add([pscustomobject]@{ Name = $Name; TimeUnixNano = [long](& $script:NowUnixNano); Attributes = $attrs })
}

function Stop-OTelSpan {
    <#
    .SYNOPSIS
    Ends a span (default: the current one), sets its status, and queues it for export (sent when
    the batch is full, by Send-OTelSpan, or when the module is removed / PowerShell exits).
    With -ErrorRecord the span gets an "exception" event and status Error.
    #>
    [CmdletBinding()]
    param(
        [object]$Span,
        [ValidateSet('Ok', 'Error', 'Unset')][string]$Status = 'Ok',
        [string]$StatusMessage,
        [System.Collections.IDictionary]$Attributes,
        [System.Management.Automation.ErrorRecord]$ErrorRecord
    )
    if (-not $Span) { $Span = Get-OTelCurrentSpan }
    if (-not $Span) { Write-Warning 'Stop-OTelSpan: no current span'; return }
    if ($Attributes) { foreach ($k in $Attributes.Keys) { $Span.Attributes[[string]$k] = $Attributes[$k] } }
    if ($ErrorRecord) {
        $ex = $ErrorRecord.Exception
        $exAttrs = [ordered]@{ 'exception.type' = $ex.GetType().FullName; 'exception.message' = $ex.Message }
        if ($ErrorRecord.ScriptStackTrace) { $exAttrs['exception.stacktrace'] = [string]$ErrorRecord.ScriptStackTrace }
        Add-OTelSpanEvent -Span $Span -Name 'exception' -Attributes $exAttrs
        if (-not $PSBoundParameters.ContainsKey('Status')) { $Status = 'Error' }
        if (-not $StatusMessage) { $StatusMessage = $ex.Message }
    }
    $Span.Status = $Status
    if ($Status -eq 'Error') { $Span.StatusMessage = [string]$StatusMessage }
    $Span.EndTimeUnixNano = [long](& $script:NowUnixNano)
    for ($i = $script:SpanStack.Count - 1; $i -ge 0; $i--) {
        if ([object]::ReferenceEquals($script:SpanStack[$i], $Span)) { $script:SpanStack.RemoveAt($i); break }
    }
    [void]$script:SpanQueue.Add($Span)
    if ($script:SpanQueue.Count -ge $script:OTelConfig.BatchSize) { Send-OTelSpan }
}

function Get-OTelTraceParent {
    <# .SYNOPSIS The W3C traceparent naming -Span (default: the current span) as the parent. #>
    param([object]$Span)
    if (-not $Span) { $Span = Get-OTelCurrentSpan }
    if (-not $Span) { return $null }
    return '00-{0}-{1}-{2}' -f $Span.TraceId, $Span.SpanId, ([int]$Span.TraceFlags).ToString('x2')
}

# ---- OTLP/JSON --------------------------------------------------------------------------------------

function ConvertTo-OTelJsonString {
    param([string]$Value)
    $escaped = [regex]::Replace($Value, '[\\"\x00-\x1f]', [System.Text.RegularExpressions.MatchEvaluator] {
            param($m)
            $c = $m.Value[0]
            if ($c -eq '"') { return '\"' }
            if ($c -eq '\') { return '\\' }
            if ($c -eq "`n") { return '\n' }
            if ($c -eq "`r") { return '\r' }
            if ($c -eq "`t") { return '\t' }
            return '\u{0:x4}' -f [int]$c
        })
    return '"' + $escaped + '"'
}

function ConvertTo-OTelJson {
    # Compact JSON with keys in insertion order; [long] values must already be strings where
    # OTLP wants them (int64 travels as a decimal string in OTLP/JSON).
    param($Value)
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [string]) { return ConvertTo-OTelJsonString $Value }
    if ($Value -is [bool]) { if ($Value) { return 'true' } else { return 'false' } }
    if ($Value -is [double] -or $Value -is [single] -or $Value -is [decimal]) {
        $d = [double]$Value
        if ([double]::IsNaN($d)) { return '"NaN"' }
        if ([double]::IsPositiveInfinity($d)) { return '"Infinity"' }
        if ([double]::IsNegativeInfinity($d)) { return '"-Infinity"' }
        return $d.ToString('R', [System.Globalization.CultureInfo]::InvariantCulture)
    }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [int16] -or $Value -is [byte]) {
        return $Value.ToString([System.Globalization.CultureInfo]::InvariantCulture)
    }
    if ($Value -is [System.Collections.IDictionary]) {
        $parts = foreach ($k in $Value.Keys) { (ConvertTo-OTelJsonString ([string]$k)) + ':' + (ConvertTo-OTelJson $Value[$k]) }
        return '{' + ($parts -join ',') + '}'
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $parts = foreach ($v in $Value) { ConvertTo-OTelJson $v }
        return '[' + ($parts -join ',') + ']'
    }
    return ConvertTo-OTelJsonString ([string]$Value)
}

function ConvertTo-OTelAnyValue {
    # A PowerShell value as an OTLP AnyValue: bool, integer (as a string), double, string,
    # arrays of those, and dictionaries as kvlists; anything else as its string form.
    param($Value)
    if ($null -eq $Value) { return [ordered]@{} }
    if ($Value -is [bool]) { return [ordered]@{ boolValue = $Value } }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [int16] -or $Value -is [byte] -or
        $Value -is [uint16] -or $Value -is [uint32] -or $Value -is [sbyte]) {
        return [ordered]@{ intValue = ([long]$Value).ToString([System.Globalization.CultureInfo]::InvariantCulture) }
    }
    if ($Value -is [double] -or $Value -is [single] -or $Value -is [decimal]) { return [ordered]@{ doubleValue = [double]$Value } }
    if ($Value -is [string]) { return [ordered]@{ stringValue = $Value } }
    if ($Value -is [datetime]) { return [ordered]@{ stringValue = $Value.ToUniversalTime().ToString('o') } }
    if ($Value -is [System.Collections.IDictionary]) {
        return [ordered]@{ kvlistValue = [ordered]@{ values = @(ConvertTo-OTelAttributeList $Value) } }
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $values = New-Object System.Collections.ArrayList
        foreach ($v in $Value) { [void]$values.Add((ConvertTo-OTelAnyValue $v)) }
        return [ordered]@{ arrayValue = [ordered]@{ values = $values } }
    }
    return [ordered]@{ stringValue = [string]$Value }
}

function ConvertTo-OTelAttributeList {
    param([System.Collections.IDictionary]$Attributes)
    $list = New-Object System.Collections.ArrayList
    if (-not $Attributes) { return , $list }
    foreach ($k in $Attributes.Keys) {
        if ($null -eq $Attributes[$k]) { continue }
        [void]$list.Add([ordered]@{ key = [string]$k; value = (ConvertTo-OTelAnyValue $Attributes[$k]) })
    }
    return , $list
}

function Get-OTelResourceObject {
    return [ordered]@{ attributes = (ConvertTo-OTelAttributeList $script:OTelConfig.Resource) }
}

function Get-OTelScopeObject {
    return [ordered]@{ name = 'otter-powershell'; version = $script:ModuleVersion }
}

function ConvertTo-OTelTracesJson {
    <# .SYNOPSIS The OTLP/HTTP JSON body (ExportTraceServiceRequest) Send-OTelSpan posts for -Spans. #>
    param([object[]]$Spans)
    $out = New-Object System.Collections.ArrayList
    foreach ($s in $Spans) {
        $span = [ordered]@{
            traceId           = $s.TraceId
            spanId            = $s.SpanId
            parentSpanId      = $s.ParentSpanId
            flags             = ([int]$s.TraceFlags -bor 0x100 -bor $(if ($s.Remote) { 0x200 } else { 0 }))
            name              = $s.Name
            kind              = $script:SpanKinds[$s.Kind]
            startTimeUnixNano = ([long]$s.StartTimeUnixNano).ToString([System.Globalization.CultureInfo]::InvariantCulture)
            endTimeUnixNano   = ([long]$s.EndTimeUnixNano).ToString([System.Globalization.CultureInfo]::InvariantCulture)
            attributes        = (ConvertTo-OTelAttributeList $s.Attributes)
        }
        if (-not $s.ParentSpanId) { $span.Remove('parentSpanId') }
        if ($s.Events.Count -gt 0) {
            $events = New-Object System.Collections.ArrayList
            foreach ($e in $s.Events) {
                [void]$events.Add([ordered]@{
                        timeUnixNano = ([long]$e.TimeUnixNano).ToString([System.Globalization.CultureInfo]::InvariantCulture)
                        name         = $e.Name
                        attributes   = (ConvertTo-OTelAttributeList $e.Attributes)
                    })
            }
            $span['events'] = $events
        }
        $status = [ordered]@{ code = $script:StatusCodes[$s.Status] }
        if ($s.StatusMessage) { $status = [ordered]@{ message = $s.StatusMessage; code = $script:StatusCodes[$s.Status] } }
        $span['status'] = $status
        [void]$out.Add($span)
    }
    $body = [ordered]@{
        resourceSpans = @([ordered]@{
                resource   = (Get-OTelResourceObject)
                scopeSpans = @([ordered]@{ scope = (Get-OTelScopeObject); spans = $out })
            })
    }
    return ConvertTo-OTelJson $body
}

function ConvertTo-OTelLogsJson {
    <# .SYNOPSIS The OTLP/HTTP JSON body (ExportLogsServiceRequest) for queued -Records. #>
    param([object[]]$Records)
    $body = [ordered]@{
        resourceLogs = @([ordered]@{
                resource  = (Get-OTelResourceObject)
                scopeLogs = @([ordered]@{ scope = (Get-OTelScopeObject); logRecords = @($Records) })
            })
    }
    return ConvertTo-OTelJson $body
}

# ---- export -----------------------------------------------------------------------------------------

function Invoke-OTelPost {
    # POSTs a body with retries (429/502/503/504 and connection errors, exponential back-off).
    # Returns $true when accepted; never throws.
    param([string]$Url, [string]$Body)
    $headers = @{}
    foreach ($k in $script:OTelConfig.Headers.Keys) { $headers[$k] = $script:OTelConfig.Headers[$k] }
    $bytes = [System.Text.Encoding]::UTF8.GetBytes($Body)
    $delayMs = 200
    for ($attempt = 0; $attempt -le $script:OTelConfig.MaxRetries; $attempt++) {
        try {
            $null = Invoke-WebRequest -Uri $Url -Method Post -Body $bytes -ContentType 'application/json' `
                -Headers $headers -TimeoutSec $script:OTelConfig.TimeoutSec -UseBasicParsing -ErrorAction Stop
            return $true
        } catch {
            $code = 0
            $response = $null
            if ($_.Exception.PSObject.Properties['Response']) { $response = $_.Exception.Response }
            if ($response) { $code = [int]$response.StatusCode }
            $script:OTelState.LastError = "POST $Url failed: $($_.Exception.Message)"
            $retryable = ($code -eq 0 -or $code -eq 429 -or $code -eq 502 -or $code -eq 503 -or $code -eq 504)
            if (-not $retryable -or $attempt -eq $script:OTelConfig.MaxRetries) { break }
            Start-Sleep -Milliseconds $delayMs
            $delayMs = [Math]::Min($delayMs * 2, 5000)
        }
    }
    Write-Warning "OTel: $($script:OTelState.LastError)"
    return $false
}

function Send-OTelQueue {
    # Empties `Queue` into one request to `Url` (the body from `ToJson`) and counts the outcome.
    param([System.Collections.ArrayList]$Queue, [string]$Url, [scriptblock]$ToJson)
    if ($Queue.Count -eq 0) { return }
    $items = $Queue.ToArray()
    $Queue.Clear()
    if (Invoke-OTelPost $Url (& $ToJson $items)) {
        $script:OTelState.Sent += $items.Count
    } else {
        $script:OTelState.Dropped += $items.Count
    }
}

function Send-OTelSpan {
    <#
    .SYNOPSIS
    Sends the queued spans (and -Span, if given) and the queued log records now, in one request
    per signal. Never throws; returns nothing (see $script:OTelState via Get-OTelState).
    #>
    [CmdletBinding()]
    param([object[]]$Span)
    if ($Span) { foreach ($s in $Span) { [void]$script:SpanQueue.Add($s) } }
    try {
        Send-OTelQueue $script:SpanQueue $script:OTelConfig.TracesUrl { param($items) ConvertTo-OTelTracesJson -Spans $items }
        Send-OTelQueue $script:LogQueue $script:OTelConfig.LogsUrl { param($items) ConvertTo-OTelLogsJson -Records $items }
    } catch {
        $script:OTelState.LastError = "export failed: $($_.Exception.Message)"
        Write-Warning "OTel: $($script:OTelState.LastError)"
    }
}

function Get-OTelState {
    <# .SYNOPSIS Export counters and the last error (exporting never throws). #>
    return [pscustomobject]@{
        Sent = $script:OTelState.Sent; Dropped = $script:OTelState.Dropped; LastError = $script:OTelState.LastError
        QueuedSpans = $script:SpanQueue.Count; QueuedLogs = $script:LogQueue.Count
    }
}

# ---- logs ---------------------------------------------------------------------------------------------

function Write-OTelLog {
    <#
    .SYNOPSIS
    Queues a log record carrying the trace context of -Span (default: the current span, else
    $env:TRACEPARENT). Sent with the spans (batch full, Send-OTelSpan, or exit).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true, Position = 0)][string]$Message,
        [ValidateSet('Trace', 'Debug', 'Info', 'Warn', 'Error', 'Fatal')][string]$Severity = 'Info',
        [System.Collections.IDictionary]$Attributes,
        [object]$Span
    )
    if (-not $Span) { $Span = Get-OTelCurrentSpan }
    $now = ([long](& $script:NowUnixNano)).ToString([System.Globalization.CultureInfo]::InvariantCulture)
    $record = [ordered]@{
        timeUnixNano         = $now
        observedTimeUnixNano = $now
        severityNumber       = $script:Severities[$Severity]
        severityText         = $Severity.ToUpperInvariant()
        body                 = [ordered]@{ stringValue = $Message }
        attributes           = (ConvertTo-OTelAttributeList $Attributes)
    }
    $context = $null
    if ($Span) { $context = @{ TraceId = $Span.TraceId; SpanId = $Span.SpanId; Flags = $Span.TraceFlags } }
    else { $context = ConvertFrom-OTelTraceParent $env:TRACEPARENT }
    if ($context) {
        $record['flags'] = [int]$context.Flags
        $record['traceId'] = $context.TraceId
        $record['spanId'] = $context.SpanId
    }
    [void]$script:LogQueue.Add($record)
    if ($script:LogQueue.Count -ge $script:OTelConfig.BatchSize) { Send-OTelSpan }
}

# ---- HTTP with trace context ---------------------------------------------------------------------------

function Invoke-HttpWithTracing {
    <#
    .SYNOPSIS
    Invoke-RestMethod inside a Client span: the request carries a traceparent that names this
    span as the parent (so the callee's server span is its child). Returns the response; errors
    end the span with status Error and are re-thrown.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$Uri,
        [string]$Method = 'GET',
        [object]$Body,
        [System.Collections.IDictionary]$Headers,
        [string]$ContentType = 'application/json',
        [string]$Name,
        [System.Collections.IDictionary]$Attributes
    )
    $u = [System.Uri]$Uri
    $verb = $Method.ToUpperInvariant()
    if (-not $Name) { $Name = $verb }
    $attrs = [ordered]@{
        'http.request.method' = $verb
        'url.full'            = $u.GetLeftPart([System.UriPartial]::Path)
        'server.address'      = $u.Host
        'server.port'         = $u.Port
    }
    if ($Attributes) { foreach ($k in $Attributes.Keys) { $attrs[[string]$k] = $Attributes[$k] } }
    $span = Start-OTelSpan -Name $Name -Kind Client -Attributes $attrs
    $sendHeaders = @{}
    if ($Headers) { foreach ($k in $Headers.Keys) { $sendHeaders[[string]$k] = $Headers[$k] } }
    $sendHeaders['traceparent'] = Get-OTelTraceParent -Span $span
    $params = @{ Uri = $Uri; Method = $verb; Headers = $sendHeaders; ErrorAction = 'Stop' }
    if ($null -ne $Body) {
        if ($Body -is [string]) { $params['Body'] = $Body } else { $params['Body'] = ($Body | ConvertTo-Json -Depth 10 -Compress) }
        $params['ContentType'] = $ContentType
    }
    try {
        $response = Invoke-RestMethod @params
        # (Invoke-RestMethod on 5.1 does not expose the status code of a success.)
        Stop-OTelSpan -Span $span -Status Ok
        return $response
    } catch {
        $extra = @{}
        if ($_.Exception.PSObject.Properties['Response'] -and $_.Exception.Response) {
            $extra['http.response.status_code'] = [int]$_.Exception.Response.StatusCode
        }
        Stop-OTelSpan -Span $span -ErrorRecord $_ -Attributes $extra
        throw
    }
}

Initialize-OTel

# Whatever is still queued goes out when the module is removed or PowerShell exits.
$ExecutionContext.SessionState.Module.OnRemove = { Send-OTelSpan }
$null = Register-EngineEvent -SourceIdentifier ([System.Management.Automation.PsEngineEvent]::Exiting) -Action { Send-OTelSpan } -SupportEvent

$exported = @(
    'New-TraceId', 'New-SpanId', 'Start-OTelSpan', 'Stop-OTelSpan', 'Send-OTelSpan',
    'Invoke-HttpWithTracing', 'Write-OTelLog', 'Get-OTelTraceParent', 'Initialize-OTel',
    'Get-OTelState', 'Add-OTelSpanEvent', 'ConvertTo-OTelTracesJson', 'ConvertTo-OTelLogsJson',
    'Set-OTelTestHook'
)
Export-ModuleMember -Function $exported
