namespace Mkcdrec.Core.Storage;

/// <summary>What capture shares between the technologies (filled in by the capture split).</summary>
public sealed class CaptureContext
{
}
