"""Model-free computer vision shared by the classic backends: OCR, colour regions, text style."""
