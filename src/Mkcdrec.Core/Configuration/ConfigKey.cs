namespace Mkcdrec.Core.Configuration;

/// <summary>How a key's value is used: one value, yes/no, or a line that may repeat (each adds one item).</summary>
public enum ConfigKind
{
    Value,
    Flag,
    List,
}

/// <summary>One key the configuration file accepts: what it means, what values are allowed, a value to show in the example
/// file (the default, where the options it sets share one), and the check that says why a value is not one of them (null when it is).</summary>
public sealed record ConfigKey(string Name, ConfigKind Kind, string Allowed, string Description, string Example, Func<string, string?> Check);
