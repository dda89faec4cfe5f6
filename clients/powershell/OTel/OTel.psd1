@{
    RootModule           = 'OTel.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0b9d3e-2a41-4c8e-9a57-0f3c8d1e7b42'
    Author               = 'otter contributors'
    Description          = 'OpenTelemetry traces and logs for PowerShell scripts over OTLP/HTTP JSON (otter, or any OpenTelemetry Collector).'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FunctionsToExport    = @(
        'New-TraceId', 'New-SpanId', 'Start-OTelSpan', 'Stop-OTelSpan', 'Send-OTelSpan',
        'Invoke-HttpWithTracing', 'Write-OTelLog', 'Get-OTelTraceParent', 'Initialize-OTel',
        'Get-OTelState', 'Add-OTelSpanEvent', 'ConvertTo-OTelTracesJson', 'ConvertTo-OTelLogsJson',
        'Set-OTelTestHook'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{ PSData = @{ Tags = @('OpenTelemetry', 'OTLP', 'tracing', 'logging') } }
}
