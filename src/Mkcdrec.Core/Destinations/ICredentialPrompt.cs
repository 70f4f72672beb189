namespace Mkcdrec.Core.Destinations;

/// <summary>
/// The person at the terminal, asked for what no file gave at recovery time (docs/secrets.md): S3 keys; ssh asks for
/// itself (a password, an unknown host key shown with its fingerprint) once it may.
/// </summary>
public interface ICredentialPrompt
{
    /// <summary>A line typed at the terminal, not echoed when <paramref name="hidden"/>; null or empty when none was given.</summary>
    string? Ask(string question, bool hidden);
}
