package org.neuralstyle.imagej;

import ij.IJ;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.awt.GraphicsEnvironment;

/**
 * Where DJL's log (SLF4J) goes when ImageJ has no logging of its own: errors to ImageJ's Log
 * window in the GUI and to stderr without one, prefixed "[style transfer] DJL error:"; warnings,
 * information and debug messages are dropped (DJL warns on every CPU-only machine that it found
 * no CUDA driver; what goes wrong reaches the user as an exception's message anyway). Without a
 * provider SLF4J printed three warnings about itself to every macro user's stderr. Found by SLF4J through META-INF/services where its
 * API jar shares our class loader (ImageJ 1.x's plugins folder); in Fiji, whose own SLF4J
 * provider is elsewhere, that one is used instead.
 */
public final class PluginLogProvider implements SLF4JServiceProvider {

	private final ILoggerFactory factory = PluginLogger::new;
	private final IMarkerFactory markers = new BasicMarkerFactory();
	private final MDCAdapter mdc = new NOPMDCAdapter();

	@Override
	public ILoggerFactory getLoggerFactory() {
		return factory;
	}

	@Override
	public IMarkerFactory getMarkerFactory() {
		return markers;
	}

	@Override
	public MDCAdapter getMDCAdapter() {
		return mdc;
	}

	@Override
	public String getRequestedApiVersion() {
		return "2.0.99";
	}

	@Override
	public void initialize() {}

	/** Errors only. */
	static final class PluginLogger extends LegacyAbstractLogger {
		private static final long serialVersionUID = 1L;

		PluginLogger(String name) {
			this.name = name;
		}

		@Override
		public boolean isTraceEnabled() {
			return false;
		}

		@Override
		public boolean isDebugEnabled() {
			return false;
		}

		@Override
		public boolean isInfoEnabled() {
			return false;
		}

		@Override
		public boolean isWarnEnabled() {
			return false;
		}

		@Override
		public boolean isErrorEnabled() {
			return true;
		}

		@Override
		protected String getFullyQualifiedCallerName() {
			return null;
		}

		@Override
		protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
			if (level != Level.ERROR) return;
			String line = "[style transfer] DJL " + level.name().toLowerCase(java.util.Locale.ROOT) + ": "
				+ MessageFormatter.basicArrayFormat(pattern, args) + (t != null ? " (" + t + ")" : "");
			if (!GraphicsEnvironment.isHeadless() && IJ.getInstance() != null) IJ.log(line);
			else System.err.println(line);
		}
	}
}
