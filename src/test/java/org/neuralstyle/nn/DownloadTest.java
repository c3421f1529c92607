package org.neuralstyle.nn;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neuralstyle.Progress;
import org.neuralstyle.TestProgress;
import org.neuralstyle.stylebank.StyleBankModel;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The weights downloader against a server on loopback that reports size and SHA-256 like Hugging Face. */
class DownloadTest {

	@TempDir
	Path tmp;
	HttpServer server;
	byte[] payload;
	String sha;

	@BeforeEach
	void start() throws IOException {
		payload = new byte[3 << 20];
		new Random(1).nextBytes(payload);
		sha = StyleBankModel.sha256(payload);
		server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/ok", ex -> serve(ex, sha, payload.length, payload.length));
		server.createContext("/badhash", ex -> serve(ex, "0".repeat(64), payload.length, payload.length));
		server.createContext("/truncated", ex -> serve(ex, sha, payload.length, payload.length / 2));
		server.createContext("/unverifiable", ex -> {
			boolean head = ex.getRequestMethod().equals("HEAD");
			ex.sendResponseHeaders(200, head ? -1 : 0); // chunked body: no length, no hash
			if (!head) ex.getResponseBody().write(payload);
			ex.close();
		});
		server.createContext("/redirect", ex -> {
			// like Hugging Face: the first hop carries x-linked-size/etag, the body comes from elsewhere
			ex.getResponseHeaders().add("x-linked-size", String.valueOf(payload.length));
			ex.getResponseHeaders().add("x-linked-etag", "\"" + sha + "\"");
			ex.getResponseHeaders().add("location", "/cdn");
			ex.sendResponseHeaders(302, -1);
			ex.close();
		});
		server.createContext("/cdn", ex -> serve(ex, null, payload.length, payload.length));
		server.start();
	}

	void serve(HttpExchange ex, String hash, long declared, int send) throws IOException {
		if (hash != null) ex.getResponseHeaders().add("x-linked-etag", "\"" + hash + "\"");
		if (ex.getRequestMethod().equals("HEAD")) {
			ex.getResponseHeaders().add("content-length", String.valueOf(declared));
			ex.sendResponseHeaders(200, -1);
			ex.close();
			return;
		}
		ex.sendResponseHeaders(200, declared);
		try (OutputStream out = ex.getResponseBody()) {
			out.write(payload, 0, send);
		}
		catch (IOException e) {
			// the client gave up: fine
		}
		ex.close();
	}

	@AfterEach
	void stop() {
		server.stop(0);
	}

	/** The download with a short read timeout, so that a stalled transfer fails in 2 s here (30 s in the product). */
	static Path fetch(URI uri, Path target, Progress progress) throws IOException {
		return Download.fetch(uri, target, progress, java.time.Duration.ofSeconds(2));
	}

	URI uri(String path) {
		return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
	}

	List<String> files() throws IOException {
		try (var s = Files.list(tmp)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}

	@Test
	void downloadsVerifiesAndReportsProgress() throws IOException {
		TestProgress p = new TestProgress();
		List<String> messages = p.messages;
		Path target = tmp.resolve("vgg.safetensors");
		fetch(uri("/ok"), target, p);
		assertArrayEquals(payload, Files.readAllBytes(target));
		assertTrue(messages.size() >= 3, "progress while downloading: " + messages);
		assertTrue(messages.get(0).contains("of 3.1 MB"), messages.get(0));
		Path viaRedirect = tmp.resolve("redirected.safetensors");
		fetch(uri("/redirect"), viaRedirect, Progress.NONE);
		assertArrayEquals(payload, Files.readAllBytes(viaRedirect));
		assertEquals(List.of("redirected.safetensors", "vgg.safetensors"), files());
	}

	@Test
	void badHashTruncationAndCancelLeaveNoFile() throws IOException {
		Path target = tmp.resolve("vgg.safetensors");
		var e = assertThrows(IOException.class, () -> fetch(uri("/badhash"), target, Progress.NONE));
		assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
		assertEquals(List.of(), files());
		e = assertThrows(IOException.class, () -> fetch(uri("/truncated"), target, Progress.NONE));
		assertEquals(List.of(), files(), "an interrupted transfer leaves nothing: " + e.getMessage());
		e = assertThrows(IOException.class, () -> fetch(uri("/unverifiable"), target, Progress.NONE));
		assertTrue(e.getMessage().contains("could not be verified"), e.getMessage());
		e = assertThrows(IOException.class, () -> fetch(uri("/missing"), target, Progress.NONE));
		assertTrue(e.getMessage().contains("404"), e.getMessage());
		Progress cancel = new TestProgress(0); // cancelled from the start
		assertThrows(Progress.CancelledException.class, () -> fetch(uri("/ok"), target, cancel));
		assertEquals(List.of(), files());
		// an existing good file is not replaced by a failed download
		Files.write(target, new byte[] { 1, 2, 3 });
		assertThrows(IOException.class, () -> fetch(uri("/badhash"), target, Progress.NONE));
		assertArrayEquals(new byte[] { 1, 2, 3 }, Files.readAllBytes(target));
	}

	@Test
	void unreachableServerNamesTheFolder() {
		Path target = tmp.resolve("vgg.safetensors");
		int port = server.getAddress().getPort();
		server.stop(0);
		var e = assertThrows(IOException.class, () -> fetch(URI.create("http://127.0.0.1:" + port + "/ok"), target, Progress.NONE));
		assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
	}
}
