using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Sftp;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>Credentials for sftp:// and s3:// from a directory laid out like the keys medium (docs/secrets.md).</summary>
public sealed class DestinationCredentialsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-destcred-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Put(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Ssh_files_of_the_directory_become_ssh_options_and_only_private_keys_are_offered()
    {
        var known = Put("ssh/known_hosts", "[10.0.2.2]:2222 ssh-ed25519 AAAA\n");
        var config = Put("ssh/config", "Host *\n  Compression no\n");
        var ed = Put("ssh/id_ed25519", "PRIVATE-ED\n");
        Put("ssh/id_ed25519.pub", "ssh-ed25519 AAAA pub\n");
        var rsa = Put("ssh/id_rsa", "PRIVATE-RSA\n");

        var c = DestinationCredentials.From(_dir);
        Assert.Equal(known, c.KnownHosts);
        Assert.Equal(config, c.SshConfig);
        Assert.Equal([ed, rsa], c.SshIdentities);

        var t = SftpTarget.From(DestinationUrl.Parse("sftp://backup@10.0.2.2:2222/srv/b"), c);
        var args = t.SshArguments(["/run/copy-1"]);
        Assert.Contains($"UserKnownHostsFile=\"{known}\"", args);
        Assert.Equal(config, args[args.ToList().IndexOf("-F") + 1]);
        Assert.Equal("/run/copy-1", args[args.ToList().IndexOf("-i") + 1]);
        Assert.Contains("StrictHostKeyChecking=yes", args);
        Assert.Equal(["-s", "--", "10.0.2.2", "sftp"], args.TakeLast(4));
    }

    [Fact]
    public void Without_a_directory_ssh_uses_the_admins_own_files_and_a_url_config_wins()
    {
        var own = SftpTarget.From(DestinationUrl.Parse("sftp://vault/srv/b")).SshArguments();
        Assert.DoesNotContain(own, a => a.StartsWith("UserKnownHostsFile", StringComparison.Ordinal));
        Assert.DoesNotContain("-i", own);
        Assert.DoesNotContain("-F", own);

        Put("ssh/config", "Host *\n");
        var t = SftpTarget.From(DestinationUrl.Parse("sftp://vault/srv/b?config=/etc/mkcdrec/ssh_config"), DestinationCredentials.From(_dir));
        Assert.Equal("/etc/mkcdrec/ssh_config", t.ConfigFile);
        Assert.Null(t.KnownHostsFile);
    }

    [Fact]
    public void S3_reads_the_directorys_credentials_and_config_in_place_of_the_home_files()
    {
        var cred = Put("s3/credentials", "[default]\naws_access_key_id = AKIDKEYS\naws_secret_access_key = s3cr3t\n");
        var env = new Dictionary<string, string> { ["AWS_SHARED_CREDENTIALS_FILE"] = "/root/.aws/credentials", ["AWS_REGION"] = "eu-west-3" };
        var get = DestinationCredentials.From(_dir).S3Environment(n => env.GetValueOrDefault(n));
        Assert.Equal(cred, get("AWS_SHARED_CREDENTIALS_FILE"));
        Assert.Null(get("AWS_CONFIG_FILE"));
        Assert.Equal("eu-west-3", get("AWS_REGION"));

        var settings = Mkcdrec.Core.Destinations.S3.AwsConfigFiles.Resolve(get, home: "/nonexistent");
        Assert.Equal("AKIDKEYS", settings.Credentials.AccessKeyId);
        Assert.Contains(cred, settings.CredentialsSource, StringComparison.Ordinal);

        Assert.Equal("/root/.aws/credentials", DestinationCredentials.Own.S3Environment(n => env.GetValueOrDefault(n))("AWS_SHARED_CREDENTIALS_FILE"));
    }

    [Fact]
    public void A_missing_directory_is_refused_and_the_description_names_files_never_contents()
    {
        var e = Assert.Throws<MkcdrecException>(() => DestinationCredentials.From(Path.Combine(_dir, "nope")));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Put("ssh/id_ed25519", "TOP-SECRET-KEY\n");
        Put("s3/credentials", "[default]\naws_secret_access_key = TOP-SECRET-S3\n");
        var d = DestinationCredentials.From(_dir).Describe();
        Assert.Contains("ssh/id_ed25519", d, StringComparison.Ordinal);
        Assert.Contains("s3/credentials", d, StringComparison.Ordinal);
        Assert.DoesNotContain("TOP-SECRET", d, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Connect_offers_a_private_copy_of_each_key_and_deletes_it_once_logged_in_or_refused(bool serverAnswers)
    {
        Put("ssh/id_ed25519", "PRIVATE-ED\n");
        var target = SftpTarget.From(DestinationUrl.Parse("sftp://vault/srv/b"), DestinationCredentials.From(_dir));
        var ssh = new FakeSsh(serverAnswers);
        if (serverAnswers)
        {
            using var s = SftpSession.Connect(target, ssh);
        }
        else
        {
            Assert.ThrowsAny<Exception>(() => SftpSession.Connect(target, ssh));
        }

        var copy = Assert.Single(ssh.KeyCopies);
        Assert.Equal("PRIVATE-ED\n", ssh.ContentAtStart);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ssh.ModeAtStart);
        Assert.False(File.Exists(copy), "the key's copy outlived the login");
    }

    /// <summary>ssh as the session sees it: records the key copies it was given; answers INIT with VERSION 3, or ends.</summary>
    private sealed class FakeSsh(bool answer) : IPipedProcessStarter, IPipedProcess
    {
        public List<string> KeyCopies { get; } = [];

        public string? ContentAtStart { get; private set; }

        public UnixFileMode ModeAtStart { get; private set; }

        public Stream Input { get; } = new MemoryStream();

        public Stream Output { get; } = new MemoryStream(answer ? [0, 0, 0, 5, 2, 0, 0, 0, 3] : []);

        public string StandardError => answer ? "" : "Permission denied (publickey).";

        public IPipedProcess Start(ProcessRequest request)
        {
            var args = request.Arguments.ToList();
            for (var i = 0; i < args.Count - 1; i++)
            {
                if (args[i] == "-i")
                {
                    KeyCopies.Add(args[i + 1]);
                    ContentAtStart = File.ReadAllText(args[i + 1]);
                    ModeAtStart = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(args[i + 1]);
                }
            }

            return this;
        }

        public bool WaitForExit(TimeSpan timeout) => true;

        public void Dispose()
        {
        }
    }

    [Fact]
    public void At_a_terminal_ssh_may_ask_and_s3_keys_are_asked_for_the_secret_hidden_but_a_backup_run_never_asks()
    {
        var prompt = new ScriptedPrompt("AKIDTYPED", "secret typed");
        var asking = DestinationCredentials.From(_dir).AskingFor(prompt);

        var args = SftpTarget.From(DestinationUrl.Parse("sftp://vault/srv/b"), asking).SshArguments();
        Assert.Contains("BatchMode=no", args);
        Assert.Contains("StrictHostKeyChecking=ask", args); // ssh shows the fingerprint and asks; a changed key it refuses all the same
        var never = SftpTarget.From(DestinationUrl.Parse("sftp://vault/srv/b"), DestinationCredentials.From(_dir)).SshArguments();
        Assert.Contains("BatchMode=yes", never);
        Assert.Contains("StrictHostKeyChecking=yes", never);

        // No keys in the files or the environment: asked, the secret hidden; the settings say where they came from.
        var typed = asking.AskForS3("https://minio.example:9000");
        var settings = Core.Destinations.S3.AwsConfigFiles.Resolve(_ => null, _dir, ask: () => new(typed!.Value.KeyId, typed.Value.Secret));
        Assert.Equal("AKIDTYPED", settings.Credentials.AccessKeyId);
        Assert.Equal("secret typed", settings.Credentials.SecretAccessKey);
        Assert.Equal("typed at the terminal", settings.CredentialsSource);
        Assert.Equal([(false, true), (true, false)], prompt.Asked.Select(a => (a.Hidden, a.Question.Contains("https://minio.example:9000", StringComparison.Ordinal))));

        // Nothing typed, or nobody to ask: refused, saying where keys go.
        var empty = DestinationCredentials.From(_dir).AskingFor(new ScriptedPrompt(""));
        Assert.Null(empty.AskForS3("x"));
        Assert.Null(DestinationCredentials.From(_dir).AskForS3("x"));
        var e = Assert.Throws<MkcdrecException>(() => Core.Destinations.S3.AwsConfigFiles.Resolve(_ => null, _dir, ask: () => null));
        Assert.Contains("No S3 credentials found", e.Message, StringComparison.Ordinal);
    }

    private sealed class ScriptedPrompt(params string[] answers) : ICredentialPrompt
    {
        private int _next;

        public List<(string Question, bool Hidden)> Asked { get; } = [];

        public string? Ask(string question, bool hidden)
        {
            Asked.Add((question, hidden));
            return _next < answers.Length ? answers[_next++] : null;
        }
    }
}
