namespace Mkcdrec.Core.Storage;

/// <summary>What finalize shares between the technologies (filled in by the finalize split).</summary>
public sealed class FinalizeContext
{
}
