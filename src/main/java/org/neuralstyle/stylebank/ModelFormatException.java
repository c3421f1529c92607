package org.neuralstyle.stylebank;

import java.io.IOException;

/** A model file that breaks the model format; the message names the file and the problem. */
public class ModelFormatException extends IOException {
	public ModelFormatException(String message) {
		super(message);
	}
}
