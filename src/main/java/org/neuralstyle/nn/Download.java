package org.neuralstyle.nn;

import org.neuralstyle.Progress;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Downloads one file over HTTP(S) into a temporary file beside the target, checks its size and
 * SHA-256 against what the server reports for that file (Hugging Face reports both for large
 * files in the headers x-linked-size and x-linked-etag; otherwise Content-Length and an ETag
 * or x-checksum-sha256 that is a SHA-256), then renames it into place. A failed, cancelled,
 * truncated or mismatching download never leaves a file that looks complete. Only called after
 * the user agreed.
 */
public final class Download {

	private Download() {}

	/** What the server says about a file before it is fetched. */
	public record Expected(long size, String sha256) {}

	/** A transfer that receives nothing for this long is abandoned (a stalled connection never hangs the plugin). */
	public static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

	public static Path fetch(URI uri, Path target, Progress progress) throws IOException {
		return fetch(uri, target, progress, READ_TIMEOUT);
	}

	/** As {@link #fetch(URI, Path, Progress)}, abandoning a transfer that receives nothing for {@code readTimeout}. */
	public static Path fetch(URI uri, Path target, Progress progress, Duration readTimeout) throws IOException {
		int readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
		HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
			.connectTimeout(Duration.ofSeconds(20)).build();
		try {
			Expected expected = expected(client, uri);
			if (expected.size < 0 && expected.sha256 == null) {
				throw new IOException(uri + ": the server reports neither the size nor the SHA-256 of the file, "
					+ "so the download could not be verified; refusing it");
			}
			Files.createDirectories(target.toAbsolutePath().getParent());
			MessageDigest sha = MessageDigest.getInstance("SHA-256");
			AtomicFiles.write(target, "", tmp -> {
				HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
				c.setInstanceFollowRedirects(true);
				c.setConnectTimeout(20_000);
				c.setReadTimeout(readTimeoutMillis);
				int code = c.getResponseCode();
				if (code != 200) {
					c.disconnect();
					throw new IOException(uri + ": the server answered HTTP " + code);
				}
				long total = expected.size >= 0 ? expected.size : c.getContentLengthLong();
				long done = 0;
				try (InputStream in = new DigestInputStream(c.getInputStream(), sha); OutputStream out = Files.newOutputStream(tmp)) {
					byte[] buf = new byte[1 << 16];
					long lastReport = 0;
					for (int n; (n = in.read(buf)) > 0;) {
						out.write(buf, 0, n);
						done += n;
						if (progress.isCancelled()) throw new Progress.CancelledException();
						if (done - lastReport >= (1 << 20)) {
							lastReport = done;
							progress.report((int) Math.min(Integer.MAX_VALUE, done >> 10),
								(int) Math.min(Integer.MAX_VALUE, Math.max(total, done) >> 10),
								String.format(Locale.ROOT, "Downloading %s: %.1f of %s MB", target.getFileName(), done / 1e6,
									total >= 0 ? String.format(Locale.ROOT, "%.1f", total / 1e6) : "?"));
						}
					}
				}
				catch (java.net.SocketTimeoutException e) {
					throw new IOException(uri + ": no data for " + readTimeoutMillis / 1000 + " s after " + done
						+ " bytes (stalled connection); nothing was saved");
				}
				finally {
					c.disconnect();
				}
				if (expected.size >= 0 && done != expected.size) {
					throw new IOException(uri + ": received " + done + " bytes but the server reported " + expected.size
						+ " (interrupted transfer?); nothing was saved");
				}
				String got = HexFormat.of().formatHex(sha.digest());
				if (expected.sha256 != null && !expected.sha256.equalsIgnoreCase(got)) {
					throw new IOException(uri + ": SHA-256 " + got + " does not match the server's " + expected.sha256
						+ "; the file is corrupt and was not saved");
				}
			});
			progress.report(1, 1, "Downloaded " + target.getFileName());
			return target;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException("download interrupted", e);
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		catch (java.net.ConnectException | java.net.UnknownHostException | java.net.http.HttpConnectTimeoutException e) {
			throw new IOException("cannot reach " + uri + " (" + e + "). Offline? Download it elsewhere and put it at " + target);
		}
	}

	/** A HEAD request, following redirects by hand so that the first hop's headers count. */
	static Expected expected(HttpClient client, URI uri) throws IOException, InterruptedException {
		URI at = uri;
		long size = -1;
		String sha = null;
		for (int hop = 0; hop < 5; hop++) {
			HttpResponse<Void> r = client.send(HttpRequest.newBuilder(at).timeout(Duration.ofSeconds(30))
				.method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.discarding());
			if (size < 0) size = r.headers().firstValueAsLong("x-linked-size").orElse(-1);
			if (sha == null) sha = sha256(r.headers().firstValue("x-linked-etag"));
			if (sha == null) sha = sha256(r.headers().firstValue("x-checksum-sha256"));
			int code = r.statusCode();
			if (code >= 300 && code < 400 && r.headers().firstValue("location").isPresent()) {
				at = at.resolve(r.headers().firstValue("location").get());
				continue;
			}
			if (code != 200) throw new IOException(uri + ": the server answered HTTP " + code);
			if (size < 0) size = r.headers().firstValueAsLong("content-length").orElse(-1);
			if (sha == null) sha = sha256(r.headers().firstValue("etag"));
			return new Expected(size, sha);
		}
		throw new IOException(uri + ": too many redirects");
	}

	private static String sha256(Optional<String> header) {
		if (header.isEmpty()) return null;
		String v = header.get().trim();
		if (v.startsWith("W/")) v = v.substring(2);
		v = v.replace("\"", "");
		return v.matches("[0-9a-fA-F]{64}") ? v.toLowerCase(Locale.ROOT) : null;
	}
}
