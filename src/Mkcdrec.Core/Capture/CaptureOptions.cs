namespace Mkcdrec.Core.Capture;

public sealed record CaptureOptions
{
    /// <summary>Restrict capture to these disks (any path naming them) and everything stacked on them. Empty: every disk.</summary>
    public IReadOnlyList<string> Disks { get; init; } = [];

    public string MkcdrecVersion { get; init; } = "";

    public DateTimeOffset? Now { get; init; }
}
