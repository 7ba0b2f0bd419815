namespace Embedded.Server.Mesos;

/// <summary>A request that cannot be honoured, with the HTTP status Mesos answers it with and a short reason.</summary>
internal sealed class CallException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static CallException BadRequest(string message) => new(400, message);
}
