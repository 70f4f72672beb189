using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Drill;

/// <summary>What to do at a prompt: type a text (with its Enter), or give up with a reason the caller reports.</summary>
public readonly record struct PromptAnswer(string? Text, string? Refusal)
{
    public static PromptAnswer Type(string text) => new(text, null);

    public static PromptAnswer Refuse(string reason) => new(null, reason);
}

/// <summary>A prompt on a machine's serial console and how to answer it.</summary>
public sealed record ConsolePrompt(Regex Pattern, Func<Match, PromptAnswer> Answer)
{
    /// <summary>A prompt answered with the same text every time (the test harness's (pattern, text) pairs).</summary>
    public static ConsolePrompt Always(string pattern, string text) => new(new Regex(pattern), _ => PromptAnswer.Type(text));
}

/// <summary>
/// Answers prompts on a virtual machine's serial console while its caller waits for lines. Each appearance of a pattern
/// is answered once, whether in a complete line or in the unfinished last one (a prompt waiting for input ends no line).
/// An answer that refuses ends the wait; <see cref="Refusal"/> says why.
/// </summary>
public sealed class ConsolePromptWatcher(IVirtualMachine vm, IReadOnlyList<ConsolePrompt> prompts)
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(250);
    private readonly HashSet<(int Line, int Prompt, int At)> _answered = [];
    private int _scanned;

    /// <summary>Why a prompt could not be answered; null while every prompt was.</summary>
    public string? Refusal { get; private set; }

    /// <summary>As <see cref="IVirtualMachine.WaitForLine"/>, answering prompts meanwhile; -1 also when an answer refused.</summary>
    public int WaitForLine(Func<string, bool> match, int from, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            AnswerPrompts();
            if (Refusal is not null)
            {
                return -1;
            }

            var left = deadline - DateTime.UtcNow;
            var at = vm.WaitForLine(match, from, left <= TimeSpan.Zero ? TimeSpan.Zero : left < Slice ? left : Slice);
            if (at >= 0 || left <= TimeSpan.Zero)
            {
                return at;
            }

            if (vm.HasExited)
            {
                // Its last output may still be on the way: one more wait ends at the end of the console.
                at = vm.WaitForLine(match, from, TimeSpan.FromSeconds(5));
                AnswerPrompts();
                return Refusal is null ? at : -1;
            }
        }
    }

    /// <summary>Looks at what the console printed since the last look and answers every prompt not answered yet.</summary>
    public void AnswerPrompts()
    {
        var lines = vm.Lines;
        for (; _scanned < lines.Count && Refusal is null; _scanned++)
        {
            AnswerIn(_scanned, lines[_scanned]);
        }

        var (index, text) = vm.PendingLine;
        if (text.Length > 0 && Refusal is null)
        {
            AnswerIn(index, text);
        }
    }

    private void AnswerIn(int line, string text)
    {
        for (var p = 0; p < prompts.Count; p++)
        {
            foreach (Match m in prompts[p].Pattern.Matches(text))
            {
                if (!_answered.Add((line, p, m.Index)))
                {
                    continue;
                }

                var answer = prompts[p].Answer(m);
                if (answer.Refusal is not null)
                {
                    Refusal = answer.Refusal;
                    return;
                }

                vm.Send(answer.Text ?? "");
            }
        }
    }
}
