package org.neuralstyle.command;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The text behind every dialog's Help button: one line per field, then the matching section
 * of the README, which is packed into the jar so that help works offline. The Markdown is
 * shown simply (headings, paragraphs, code blocks, tables as preformatted text).
 */
final class Help {

	private Help() {}

	/** HTML for {@link ij.gui.GenericDialog#addHelp(String)}: the fields, then README section(s) by heading. */
	static String html(String title, String[][] fields, String... readmeHeadings) {
		StringBuilder b = new StringBuilder("<html><body style='width:560px'><h2>").append(esc(title)).append("</h2>");
		if (fields.length > 0) {
			b.append("<table border=0 cellspacing=2>");
			for (String[] f : fields) {
				b.append("<tr><td valign=top><b>").append(esc(f[0])).append("</b></td><td>").append(esc(f[1])).append("</td></tr>");
			}
			b.append("</table>");
		}
		String readme = readme();
		for (String heading : readmeHeadings) {
			String md = section(readme, heading);
			if (md.isEmpty()) continue;
			b.append("<hr><p><i>From the README, section \"").append(esc(heading)).append("\":</i></p>").append(markdownToHtml(md));
		}
		return b.append("</body></html>").toString();
	}

	static String readme() {
		try (InputStream in = Help.class.getResourceAsStream("/org/neuralstyle/help/README.md")) {
			return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			return "";
		}
	}

	/** The section under the heading (any level) up to the next heading of the same or a higher level. */
	static String section(String md, String heading) {
		String[] lines = md.split("\n", -1);
		int start = -1, level = 0;
		for (int i = 0; i < lines.length; i++) {
			int l = level(lines[i]);
			if (l > 0 && lines[i].substring(l).trim().equalsIgnoreCase(heading)) {
				start = i + 1;
				level = l;
				break;
			}
		}
		if (start < 0) return "";
		StringBuilder b = new StringBuilder();
		boolean code = false;
		for (int i = start; i < lines.length; i++) {
			if (lines[i].startsWith("```")) code = !code;
			int l = code ? 0 : level(lines[i]);
			if (l > 0 && l <= level) break;
			b.append(lines[i]).append('\n');
		}
		return b.toString();
	}

	private static int level(String line) {
		int l = 0;
		while (l < line.length() && line.charAt(l) == '#') l++;
		return l > 0 && l < line.length() && line.charAt(l) == ' ' ? l : 0;
	}

	static String markdownToHtml(String md) {
		StringBuilder b = new StringBuilder();
		List<String> para = new ArrayList<>();
		boolean pre = false;
		for (String line : md.split("\n", -1)) {
			if (line.startsWith("```")) {
				flush(b, para);
				b.append(pre ? "</pre>" : "<pre>");
				pre = !pre;
				continue;
			}
			if (pre || line.startsWith("|")) {
				if (!pre) {
					flush(b, para);
					if (line.matches("\\|[-| :]+\\|?")) continue;
					b.append("<pre>").append(esc(line)).append("</pre>");
				}
				else b.append(esc(line)).append('\n');
				continue;
			}
			int l = level(line);
			if (l > 0) {
				flush(b, para);
				b.append("<h3>").append(inline(line.substring(l).trim())).append("</h3>");
			}
			else if (line.isBlank()) flush(b, para);
			else if (line.startsWith("- ") || line.startsWith("* ") || line.matches("\\d+\\. .*")) {
				flush(b, para);
				para.add("\u2022 " + line.replaceFirst("^(- |\\* |\\d+\\. )", ""));
			}
			else para.add(line);
		}
		if (pre) b.append("</pre>");
		flush(b, para);
		return b.toString();
	}

	private static void flush(StringBuilder b, List<String> para) {
		if (para.isEmpty()) return;
		b.append("<p>").append(inline(String.join(" ", para)).replace(" \u2022 ", "<br>&bull; ").replace("\u2022 ", "&bull; ")).append("</p>");
		para.clear();
	}

	private static String inline(String s) {
		return esc(s).replaceAll("`([^`]*)`", "<tt>$1</tt>").replaceAll("\\*\\*([^*]+)\\*\\*", "<b>$1</b>");
	}

	static String esc(String s) {
		return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
	}
}
