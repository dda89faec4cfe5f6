# Pester 5 tests of the OTel module, for machines with PowerShell (5.1 or 7):
#   Invoke-Pester clients/powershell/tests/OTel.Tests.ps1
# The golden test reproduces tests/golden/*.json byte for byte with a fixed clock and id source;
# otter's interop suite posts the same files to otter (tests/interop/powershell_module.test.mjs).

BeforeAll {
    foreach ($v in 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_HEADERS', 'TRACEPARENT',
        'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT') {
        Remove-Item "env:$v" -ErrorAction SilentlyContinue
    }
    Import-Module (Join-Path $PSScriptRoot '../OTel/OTel.psd1') -Force
    $script:Golden = Join-Path $PSScriptRoot 'golden'

    function Use-FixedHooks {
        $global:OTelTestClock = [long]1700000000000000000
        $global:OTelTestIds = 0
        Set-OTelTestHook -NowUnixNano { $global:OTelTestClock += 1000001; $global:OTelTestClock } -RandomBytes {
            param($Count)
            $global:OTelTestIds++
            $b = New-Object byte[] $Count
            for ($i = 0; $i -lt $Count; $i++) { $b[$i] = [byte](($global:OTelTestIds * 16 + $i) % 256) }
            , $b
        }
    }
}

AfterAll {
    Set-OTelTestHook -Reset
    Remove-Module OTel -ErrorAction SilentlyContinue
}

Describe 'ids' {
    It 'New-TraceId is 32 lowercase hex and New-SpanId 16' {
        Set-OTelTestHook -Reset
        1..50 | ForEach-Object {
            New-TraceId | Should -MatchExactly '^[0-9a-f]{32}$'
            New-SpanId | Should -MatchExactly '^[0-9a-f]{16}$'
        }
        New-TraceId | Should -Not -Be (New-TraceId)
    }
    It 'never returns an all-zero id' {
        $global:OTelZeroes = 2
        Set-OTelTestHook -RandomBytes {
            param($Count)
            $b = New-Object byte[] $Count
            if ($global:OTelZeroes-- -le 0) { $b[0] = 7 }
            , $b
        }
        New-SpanId | Should -Be '0700000000000000'
        Set-OTelTestHook -Reset
    }
}

Describe 'golden payloads' {
    It 'produces tests/golden/traces.json and logs.json for the scripted run' {
        Use-FixedHooks
        Initialize-OTel -Endpoint 'http://127.0.0.1:4318' -ServiceName 'backup-script' -ResourceAttributes ([ordered]@{ 'host.name' = 'PROD-SQL-01' })
        Mock -ModuleName OTel Invoke-RestMethod { @{ ok = $true } }
        Mock -ModuleName OTel Invoke-WebRequest { $null }

        $root = Start-OTelSpan -Name 'Process-DatabaseBackup' -Attributes ([ordered]@{ 'db.system' = 'mssql'; 'db.instance' = 'PROD-SQL-01' })
        $child = Start-OTelSpan -Name 'Execute-Backup' -Attributes ([ordered]@{
                'backup.type' = 'full'; 'backup.size_mb' = 2048; 'backup.ratio' = 0.5; 'backup.verified' = $true
                'backup.files' = @('a.bak', 'b.bak')
            })
        Write-OTelLog 'copying files' -Attributes ([ordered]@{ 'file.count' = 2 })
        Stop-OTelSpan -Span $child -Attributes @{ 'backup.duration_ms' = 120.25 }
        $null = Invoke-HttpWithTracing -Uri 'http://127.0.0.1:8080/reserve?sku=A1' -Method Post -Body @{ sku = 'A1' }
        Write-OTelLog 'backup failed' -Severity Error -Span $root -Attributes ([ordered]@{ 'db.instance' = 'PROD-SQL-01' })
        $err = New-Object System.Management.Automation.ErrorRecord (New-Object System.IO.IOException 'disk full'), 'BackupFailed', ([System.Management.Automation.ErrorCategory]::WriteError), $null
        Stop-OTelSpan -Span $root -ErrorRecord $err

        Should -Invoke -ModuleName OTel Invoke-RestMethod -Times 1 -ParameterFilter {
            $Headers['traceparent'] -eq '00-101112131415161718191a1b1c1d1e1f-4041424344454647-01'
        }
        $spans = & (Get-Module OTel) { $script:SpanQueue.ToArray() }
        $logs = & (Get-Module OTel) { $script:LogQueue.ToArray() }
        (ConvertTo-OTelTracesJson -Spans $spans) + "`n" | Should -BeExactly (Get-Content -Raw (Join-Path $script:Golden 'traces.json'))
        (ConvertTo-OTelLogsJson -Records $logs) + "`n" | Should -BeExactly (Get-Content -Raw (Join-Path $script:Golden 'logs.json'))

        Send-OTelSpan
        Should -Invoke -ModuleName OTel Invoke-WebRequest -Times 2
        (Get-OTelState).Sent | Should -Be 5
    }
}

Describe 'trace context' {
    BeforeEach { Set-OTelTestHook -Reset; Initialize-OTel -Endpoint 'http://127.0.0.1:1' -MaxRetries 0 -TimeoutSec 1 }

    It 'joins the trace in $env:TRACEPARENT (set by otter span)' {
        $env:TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
        try {
            $s = Start-OTelSpan -Name 'step'
            $s.TraceId | Should -Be '4bf92f3577b34da6a3ce929d0e0e4736'
            $s.ParentSpanId | Should -Be '00f067aa0ba902b7'
            $s.Remote | Should -BeTrue
            ConvertTo-OTelTracesJson -Spans $s | Should -Match '"flags":769,'
            Get-OTelTraceParent | Should -Be "00-4bf92f3577b34da6a3ce929d0e0e4736-$($s.SpanId)-01"
            Stop-OTelSpan -Span $s
        } finally { Remove-Item env:TRACEPARENT }
    }
    It 'rejects malformed traceparents' {
        foreach ($bad in '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
            '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'garbage') {
            $s = Start-OTelSpan -Name 'x' -TraceParent $bad -WarningAction SilentlyContinue
            $s.ParentSpanId | Should -Be ''
            Stop-OTelSpan -Span $s
        }
    }
    It 'nests through the current-span stack' {
        $a = Start-OTelSpan -Name 'a'
        $b = Start-OTelSpan -Name 'b'
        $b.ParentSpanId | Should -Be $a.SpanId
        Stop-OTelSpan
        (Start-OTelSpan -Name 'c').ParentSpanId | Should -Be $a.SpanId
        Stop-OTelSpan
        Stop-OTelSpan -Span $a
    }
}

Describe 'export never throws' {
    It 'warns and counts when the collector is unreachable' {
        Set-OTelTestHook -Reset
        Initialize-OTel -Endpoint 'http://127.0.0.1:1' -MaxRetries 1 -TimeoutSec 1
        $s = Start-OTelSpan -Name 'lonely'
        Stop-OTelSpan -Span $s
        { Send-OTelSpan -WarningAction SilentlyContinue } | Should -Not -Throw
        (Get-OTelState).LastError | Should -Match '127.0.0.1:1'
    }
}
