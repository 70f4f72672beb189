namespace Mkcdrec.Core.Destinations.S3;

/// <summary>An access key pair (and session token) for S3. <see cref="ToString"/> never shows the secret.</summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    public override string ToString() => $"access key {AccessKeyId} (secret not shown)";
}

/// <summary>Where the credentials and the region came from, for messages (never the secret itself).</summary>
public sealed record AwsSettings(AwsCredentials Credentials, string Region, string CredentialsSource);
