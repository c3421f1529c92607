package org.neuralstyle.torchfile;

import java.io.IOException;

/** A PyTorch file this reader refuses: malformed, truncated, too large, or holding more than weights. */
public final class TorchFileException extends IOException {
	public TorchFileException(String message) {
		super(message);
	}
}
