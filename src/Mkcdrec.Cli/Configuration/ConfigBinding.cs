namespace Mkcdrec.Cli.Configuration;

/// <summary>
/// How one configuration key reaches one verb: the command line tokens its value stands for (none for a "no" flag), and the
/// options or arguments whose presence on the command line means the command line decides instead.
/// </summary>
internal sealed record ConfigBinding(string Key, string Verb, string Symbol, Func<string, string[]> Tokens, string[] GivenBy)
{
    /// <summary>key = VALUE becomes `SYMBOL VALUE`, unless SYMBOL (or one of <paramref name="alsoGivenBy"/>) is on the command line.</summary>
    public static ConfigBinding Option(string key, string verb, string option, params string[] alsoGivenBy) =>
        new(key, verb, option, v => [option, v], [option, .. alsoGivenBy]);

    /// <summary>key = yes becomes the bare flag; key = no adds nothing (the flag's default).</summary>
    public static ConfigBinding Flag(string key, string verb, string option, params string[] alsoGivenBy) =>
        new(key, verb, option, v => v == "yes" ? [option] : [], [option, .. alsoGivenBy]);

    /// <summary>key = no becomes the bare flag (a "no-" option such as --no-default-excludes).</summary>
    public static ConfigBinding NegatedFlag(string key, string verb, string option) =>
        new(key, verb, option, v => v == "no" ? [option] : [], [option]);

    /// <summary>Each line of a list key adds `SYMBOL VALUE` to what the command line gives.</summary>
    public static ConfigBinding List(string key, string verb, string option, params string[] givenBy) =>
        new(key, verb, option, v => [option, v], givenBy);

    /// <summary>The value fills the verb's positional argument when the command line leaves it out.</summary>
    public static ConfigBinding Argument(string key, string verb, string argument) =>
        new(key, verb, argument, v => [v], [argument]);
}
