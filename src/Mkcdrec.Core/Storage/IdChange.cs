namespace Mkcdrec.Core.Storage;

/// <summary>An identifier that differs between the layout and the recreated system.</summary>
public sealed record IdChange(string Kind, string LayoutId, string Old, string New, bool BootCritical);
