namespace Mkcdrec.Core.Configuration;

/// <summary>One `key = value` line of a configuration file, with where it stands so that errors and `config show` can name it.</summary>
public sealed record ConfigEntry(string Key, string Value, string File, int Line)
{
    public string Where => $"{File} line {Line}";
}
